// parked_memory (Go): RSS added per goroutine blocked on a channel. Reads
// VmRSS, starts N goroutines that each block receiving from one unbuffered
// channel, reads VmRSS again once all have started, then releases them.
// Reports bytes per goroutine, the time until all are parked and the
// process's RSS then (as gort.cpp). Usage: main N
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

func rssKiB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(s.Text())[1], 10, 64)
			return v
		}
	}
	return -1
}

func main() {
	n := arg(1, 100000)
	c := make(chan int)
	var started, finished sync.WaitGroup
	before := rssKiB()
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		started.Add(1)
		finished.Add(1)
		go func() {
			started.Done()
			<-c
			finished.Done()
		}()
	}
	started.Wait()
	for i := 0; i < 100; i++ {
		runtime.Gosched()
	}
	ms := float64(time.Since(t0).Nanoseconds()) / 1e6
	after := rssKiB()
	for i := int64(0); i < n; i++ {
		c <- 0
	}
	finished.Wait()
	fmt.Printf("result bytes_per_g=%g ms=%g rss_mib=%g rss_before_kib=%d n=%d\n",
		float64(after-before)*1024/float64(n), ms, float64(after)/1024, before, n)
}
