// chan_pingpong (Go): a value bounced between main and one goroutine over two
// unbuffered channels, N round trips. Reports ns per round trip. Usage: main N
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	n := arg(1, 500000)
	ping, pong := make(chan int64), make(chan int64)
	go func() {
		for i := int64(0); i < n; i++ {
			pong <- (<-ping) + 1
		}
	}()
	t0 := time.Now()
	var v int64
	for i := int64(0); i < n; i++ {
		ping <- v
		v = <-pong
	}
	el := time.Since(t0)
	if v != n {
		fmt.Fprintln(os.Stderr, "check failed: v == n")
		os.Exit(1)
	}
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(el.Nanoseconds())/float64(n), n)
}
