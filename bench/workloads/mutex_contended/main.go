// mutex_contended (Go): 4 goroutines increment one counter under a
// sync.Mutex, N increments in all. Reports ns per lock+increment+unlock.
// Usage: main N
package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

func main() {
	n := arg(1, 4000000)
	const workers = 4
	per := n / workers
	var mu sync.Mutex
	var wg sync.WaitGroup
	var counter int64
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			for i := int64(0); i < per; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	if counter != workers*per {
		fmt.Fprintln(os.Stderr, "check failed: counter == workers*per")
		os.Exit(1)
	}
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(el.Nanoseconds())/float64(workers*per), workers*per)
}
