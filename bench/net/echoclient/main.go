// bench/net/echoclient: a ping-pong load for echo servers: -c connections,
// each sending a -size byte message and waiting for its echo (checked byte
// for byte) before the next, for -d after -warmup. Prints
//   result msgs_per_s=N p50_us=X p99_us=Y errors=E
// where the percentiles are of the round-trip times of every message.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", "server address")
	conns := flag.Int("c", 1, "connections")
	size := flag.Int("size", 64, "message size")
	dur := flag.Duration("d", 10*time.Second, "measured duration")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured duration first")
	flag.Parse()

	var measuring, stop atomic.Bool
	var errors atomic.Int64
	rtts := make([][]time.Duration, *conns)
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		wg.Add(1)
		go func(i int, c net.Conn) {
			defer wg.Done()
			defer c.Close()
			msg := bytes.Repeat([]byte{byte('a' + i%26)}, *size)
			got := make([]byte, *size)
			local := make([]time.Duration, 0, 1<<16)
			for !stop.Load() {
				t0 := time.Now()
				if _, err := c.Write(msg); err != nil {
					errors.Add(1)
					return
				}
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					errors.Add(1)
					return
				}
				if measuring.Load() {
					local = append(local, time.Since(t0))
				}
			}
			rtts[i] = local
		}(i, c)
	}
	time.Sleep(*warmup)
	measuring.Store(true)
	t0 := time.Now()
	time.Sleep(*dur)
	measuring.Store(false)
	elapsed := time.Since(t0)
	stop.Store(true)
	wg.Wait()
	var all []time.Duration
	for _, r := range rtts {
		all = append(all, r...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[int(p*float64(len(all)-1))].Nanoseconds()) / 1e3
	}
	fmt.Printf("result msgs_per_s=%.0f p50_us=%.1f p99_us=%.1f errors=%d\n",
		float64(len(all))/elapsed.Seconds(), pct(0.50), pct(0.99), errors.Load())
}
