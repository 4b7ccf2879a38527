// spawn_join (Go): N goroutines that do nothing but wg.Done(), joined with a
// sync.WaitGroup. Reports ns per goroutine. Usage: main N
package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	n := arg(1, 1000000)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
	}
	wg.Wait()
	el := time.Since(t0)
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(el.Nanoseconds())/float64(n), n)
}
