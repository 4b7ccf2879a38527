// bench/net/echo: the Go twin of examples/echo_server: one goroutine per
// connection, a 4 KiB buffer, read then write back. GOMAXPROCS from the
// environment.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
)

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("echo: listening on %s\n", ln.Addr())
	os.Stdout.Sync()
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go echo(c)
	}
}
