// skynet (Go): the classic spawn tree. Each goroutine starts 10 children and
// sums what they send back over a channel; the N leaves (N a power of 10) send
// their number. Reports ns per goroutine. Usage: main N
package main

import (
	"fmt"
	"os"
	"time"
)

func skynet(c chan int64, num, size, div int64) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int64)
	for i := int64(0); i < div; i++ {
		go skynet(rc, num+i*(size/div), size/div, div)
	}
	var sum int64
	for i := int64(0); i < div; i++ {
		sum += <-rc
	}
	c <- sum
}

func main() {
	n := arg(1, 1000000)
	var goroutines int64
	for s := n; s >= 1; s /= 10 {
		goroutines += n / s
	}
	c := make(chan int64)
	t0 := time.Now()
	go skynet(c, 0, n, 10)
	sum := <-c
	el := time.Since(t0)
	if sum != n*(n-1)/2 {
		fmt.Fprintln(os.Stderr, "check failed: sum == n(n-1)/2")
		os.Exit(1)
	}
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(el.Nanoseconds())/float64(goroutines), n)
}
