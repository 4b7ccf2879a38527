// bench/net/rawtcp: the work of examples/http_hello, in Go on raw TCP: one
// goroutine per connection, each read scanned for the ends of the
// requests it completes ("\r\n\r\n") in a 4 KiB buffer, one fixed response
// per request, the responses of one read in one write. GOMAXPROCS from the
// environment.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
)

var hello = []byte("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: text/plain\r\n\r\nhello\n")

func serve(c net.Conn) {
	defer c.Close()
	in := make([]byte, 4096)
	out := make([]byte, 0, 64*1024)
	have, scanned := 0, 0
	for {
		n, err := c.Read(in[have:])
		if err != nil {
			return
		}
		have += n
		start := 0
		out = out[:0]
		for {
			from := start
			if scanned > start+3 {
				from = scanned - 3
			}
			end := bytes.Index(in[from:have], []byte("\r\n\r\n"))
			if end < 0 {
				break
			}
			out = append(out, hello...)
			start = from + end + 4
			scanned = start
		}
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
		copy(in, in[start:have])
		have -= start
		scanned = have
		if have == len(in) {
			return
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("rawtcp: listening on %s\n", ln.Addr())
	os.Stdout.Sync()
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c)
	}
}
