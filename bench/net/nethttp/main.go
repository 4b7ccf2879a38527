// bench/net/nethttp: Go's net/http serving the same response as
// examples/http_hello ("hello\n", text/plain; net/http adds a Date header).
// GOMAXPROCS from the environment.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("nethttp: listening on %s\n", ln.Addr())
	os.Stdout.Sync()
	hello := []byte("hello\n")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	})
	log.Fatal(http.Serve(ln, h))
}
