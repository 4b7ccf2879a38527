// timers (Go): G goroutines each sleep 1 ms R times in a row. Reports the
// total wall time in ms and the CPU time of the process in seconds (user +
// system, every thread, from getrusage). Usage: main G [R]
package main

import (
	"fmt"
	"sync"
	"syscall"
	"time"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func main() {
	g, rounds := arg(1, 10000), arg(2, 10)
	var wg sync.WaitGroup
	cpu0 := cpuSeconds()
	t0 := time.Now()
	for i := int64(0); i < g; i++ {
		wg.Add(1)
		go func() {
			for r := int64(0); r < rounds; r++ {
				time.Sleep(time.Millisecond)
			}
			wg.Done()
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	cpu := cpuSeconds() - cpu0
	fmt.Printf("result ms=%g cpu_s=%g n=%d\n", float64(el.Nanoseconds())/1e6, cpu, g)
}
