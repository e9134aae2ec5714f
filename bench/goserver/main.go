// The traced service of bench/http-server-overhead.mjs: a stdlib Go HTTP
// server whose every request hashes (50 sha256 rounds), takes a shared
// sync.Mutex and pwrites a record, so a request costs CPU, may contend, and
// makes a file syscall besides its network ones. Prints its address on stdout.
// usage: goserver
package main

import (
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
)

const (
	hashRounds = 50
	recordSize = 64
	// The file stays small: records wrap around this many slots.
	recordSlots = 4096
)

func main() {
	file, err := os.CreateTemp("", "goserver-bench-*.dat")
	if err != nil {
		panic(err)
	}
	defer os.Remove(file.Name())

	var mu sync.Mutex
	var requests int64
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sum := sha256.Sum256([]byte(r.URL.Path))
		for i := 1; i < hashRounds; i++ {
			sum = sha256.Sum256(sum[:])
		}
		var record [recordSize]byte
		copy(record[:], sum[:])
		mu.Lock()
		slot := requests % recordSlots
		requests++
		_, err := file.WriteAt(record[:], slot*recordSize)
		mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%x\n", sum[:8])
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("http://%s/\n", listener.Addr())
	panic(http.Serve(listener, nil))
}
