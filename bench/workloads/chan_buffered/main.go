// chan_buffered (Go): one producer goroutine sends N items into a channel of
// capacity 128; main receives them. Reports ns per item. Usage: main N
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	n := arg(1, 10000000)
	c := make(chan int64, 128)
	t0 := time.Now()
	go func() {
		for i := int64(0); i < n; i++ {
			c <- i
		}
	}()
	var sum int64
	for i := int64(0); i < n; i++ {
		sum += <-c
	}
	el := time.Since(t0)
	if sum != n*(n-1)/2 {
		fmt.Fprintln(os.Stderr, "check failed: sum == n(n-1)/2")
		os.Exit(1)
	}
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(el.Nanoseconds())/float64(n), n)
}
