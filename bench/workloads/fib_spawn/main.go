// fib_spawn (Go): fib(N) where every call with n >= 2 starts both of its
// recursive calls as goroutines and waits for them with a sync.WaitGroup.
// Reports total ms. Usage: main N
package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

func fib(n int64, out *int64) {
	if n < 2 {
		*out = n
		return
	}
	var a, b int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { fib(n-1, &a); wg.Done() }()
	go func() { fib(n-2, &b); wg.Done() }()
	wg.Wait()
	*out = a + b
}

func fibPlain(n int64) int64 {
	if n < 2 {
		return n
	}
	return fibPlain(n-1) + fibPlain(n-2)
}

func main() {
	n := arg(1, 27)
	var r int64
	t0 := time.Now()
	fib(n, &r)
	el := time.Since(t0)
	if r != fibPlain(n) {
		fmt.Fprintln(os.Stderr, "check failed: fib")
		os.Exit(1)
	}
	fmt.Printf("result ms=%g n=%d\n", float64(el.Nanoseconds())/1e6, n)
}
