// spawn_run (Go): main starts N goroutines that each increment a counter and
// exit, calling runtime.Gosched every 1000 starts; then it yields until all
// have run. Reports ns per goroutine. Usage: main N
package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

func main() {
	n := arg(1, 1000000)
	var counter int64
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		go func() { atomic.AddInt64(&counter, 1) }()
		if i%1000 == 999 {
			runtime.Gosched()
		}
	}
	for atomic.LoadInt64(&counter) < n {
		runtime.Gosched()
	}
	el := time.Since(t0)
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(el.Nanoseconds())/float64(n), n)
}
