// handoff (Go): at GOMAXPROCS=1, the time from a goroutine blocking in a
// read on an empty pipe (syscall.Read on a blocking fd: entersyscall, then
// sysmon's retake hands the P off) to another runnable goroutine running.
// K samples; reports the median, 90th percentile and maximum in
// microseconds. Usage: main K
package main

import (
	"fmt"
	"runtime"
	"sort"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	k := arg(1, 2000)
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		panic(err)
	}
	var seq, t0 int64
	start := time.Now()
	ns := func() int64 { return int64(time.Since(start)) }
	done := make(chan bool)
	go func() {
		c := make([]byte, 1)
		for i := int64(0); i < k; i++ {
			atomic.StoreInt64(&t0, ns())
			atomic.StoreInt64(&seq, i+1)
			if n, _ := syscall.Read(p[0], c); n != 1 {
				panic("read")
			}
		}
		done <- true
	}()
	us := make([]float64, 0, k)
	for i := int64(0); i < k; i++ {
		for atomic.LoadInt64(&seq) != i+1 {
			runtime.Gosched()
		}
		us = append(us, float64(ns()-atomic.LoadInt64(&t0))/1000)
		syscall.Write(p[1], []byte("x"))
	}
	<-done
	sort.Float64s(us)
	fmt.Printf("result p50_us=%g p90_us=%g max_us=%g n=%d\n", us[len(us)/2], us[len(us)*9/10], us[len(us)-1], k)
}
