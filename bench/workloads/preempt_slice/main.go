// preempt_slice (Go): at GOMAXPROCS=1, a goroutine runs a call-free loop
// while main yields in a loop; each time main runs again, the loop has had
// one slice (until sysmon preempted it). K slices; reports the median, 90th
// percentile and maximum slice length in milliseconds. Usage: main K
package main

import (
	"fmt"
	"runtime"
	"sort"
	"sync/atomic"
	"time"
)

var stop int32
var sink int64

func main() {
	k := int(arg(1, 100))
	go func() {
		x := int64(0)
		for atomic.LoadInt32(&stop) == 0 {
			x++
		}
		sink = x
	}()
	runtime.Gosched()
	last := time.Now()
	ms := make([]float64, 0, k)
	for i := 0; i < k; i++ {
		runtime.Gosched()
		t := time.Now()
		ms = append(ms, float64(t.Sub(last).Nanoseconds())/1e6)
		last = t
	}
	atomic.StoreInt32(&stop, 1)
	sort.Float64s(ms)
	fmt.Printf("result p50_ms=%g p90_ms=%g max_ms=%g n=%d\n", ms[k/2], ms[k*9/10], ms[k-1], k)
}
