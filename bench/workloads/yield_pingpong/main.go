// yield_pingpong (Go): main and one goroutine each call runtime.Gosched N
// times, so the two alternate. Reports ns per switch (2N). Usage: main N
package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

func main() {
	n := arg(1, 1000000)
	var done int32
	t0 := time.Now()
	go func() {
		for i := int64(0); i < n; i++ {
			runtime.Gosched()
		}
		atomic.StoreInt32(&done, 1)
	}()
	for i := int64(0); i < n; i++ {
		runtime.Gosched()
	}
	for atomic.LoadInt32(&done) == 0 {
		runtime.Gosched()
	}
	el := time.Since(t0)
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(el.Nanoseconds())/float64(2*n), n)
}
