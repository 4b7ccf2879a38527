// parked_1m (Go): start N goroutines (1,000,000) that each park receiving
// from one unbuffered channel, and wait until all have parked. Reports the
// time from the first start to the last park, and the whole process's
// VmRSS at that moment. Then releases them and checks that every one ran.
// Usage: main N
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	n := arg(1, 1000000)
	c := make(chan int)
	var started, finished sync.WaitGroup
	var ran int64
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		started.Add(1)
		finished.Add(1)
		go func() {
			started.Done()
			<-c
			atomic.AddInt64(&ran, 1)
			finished.Done()
		}()
	}
	started.Wait()
	for i := 0; i < 100; i++ {
		runtime.Gosched()
	}
	ms := float64(time.Since(t0).Nanoseconds()) / 1e6
	rss := rssKiB()
	close(c)
	finished.Wait()
	if ran != n {
		fmt.Fprintln(os.Stderr, "check failed: every goroutine ran")
		os.Exit(1)
	}
	fmt.Printf("result ms=%g rss_mib=%g n=%d\n", ms, float64(rss)/1024, n)
}
