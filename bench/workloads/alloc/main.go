// alloc (Go): the same work with Go's allocator and collector: 8
// goroutines each keep a ring of 64 live blocks; each step drops the oldest
// and allocates a new one, of a random size from 16 B to 32 KiB
// (log-uniform), touching its first and last bytes; runtime.Gosched every
// 1024 steps. N steps in all; reports ns per step. Usage: main N
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

const workers = 8
const ringSize = 64

type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return r.s
}

func randsize(r *rng) int {
	bits := 4 + int(r.next()%11)
	lo := 1 << bits
	return lo + int(r.next()%uint64(lo))
}

func worker(steps int64, id int, wg *sync.WaitGroup, sink *int64) {
	r := rng{0x9e3779b97f4a7c15 * uint64(id+1)}
	var ring [ringSize][]byte
	var sum int64
	for i := int64(0); i < steps; i++ {
		n := randsize(&r)
		b := make([]byte, n)
		b[0] = 1
		b[n-1] = 1
		sum += int64(b[0])
		ring[i%ringSize] = b
		if i&1023 == 1023 {
			runtime.Gosched()
		}
	}
	*sink = sum
	wg.Done()
}

func main() {
	n := arg(1, 4000000)
	var sinks [workers]int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go worker(n/workers, w, &wg, &sinks[w])
	}
	wg.Wait()
	el := time.Since(t0)
	var total int64
	for _, s := range sinks {
		total += s
	}
	if total != (n/workers)*workers {
		fmt.Fprintln(os.Stderr, "check failed: every step touched its block")
		os.Exit(1)
	}
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(el.Nanoseconds())/float64(n), n)
}
