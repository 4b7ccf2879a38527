// ring (Go): M goroutines in a ring of unbuffered channels pass a token
// around for H hops (whole laps); the last hop goes to main. Reports ns per
// hop. Usage: main H [M]
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	hops, m := arg(1, 1000000), arg(2, 1000)
	laps := hops / m
	if laps < 1 {
		laps = 1
	}
	c := make([]chan int64, m)
	for i := range c {
		c[i] = make(chan int64)
	}
	done := make(chan int64)
	for i := int64(0); i < m; i++ {
		go func(i int64) {
			in, out := c[i], c[(i+1)%m]
			for lap := int64(0); lap < laps; lap++ {
				t := <-in
				if i == m-1 && lap == laps-1 {
					done <- t + 1
				} else {
					out <- t + 1
				}
			}
		}(i)
	}
	t0 := time.Now()
	c[0] <- 0
	t := <-done
	el := time.Since(t0)
	if t != laps*m {
		fmt.Fprintln(os.Stderr, "check failed: token == laps*m")
		os.Exit(1)
	}
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(el.Nanoseconds())/float64(laps*m), laps*m)
}
