// spawn_join (Go): N goroutines that do nothing but wg.Done(), joined with a
// sync.WaitGroup. Reports ns per goroutine. Usage: main N
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

func arg(i int, def int64) int64 {
	if len(os.Args) > i {
		v, err := strconv.ParseInt(os.Args[i], 10, 64)
		if err == nil {
			return v
		}
	}
	return def
}

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
