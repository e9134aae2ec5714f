// A Go HTTP server whose handlers fsync a file under a sync.Mutex, driven by
// its own client for the given time, with idle goroutines parked on channels:
// the runtime parks idle Ms in futex by design, and stallscope must class that
// idle while the fsync stays the service's top wait. It measures its own fsync
// time and prints one JSON line: {"pid":..,"fsyncNs":..,"fsyncs":..,"requests":..}.
// usage: goserver DURATION_MS
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	durationMs, err := strconv.Atoi(os.Args[1])
	if err != nil {
		panic(err)
	}
	file, err := os.CreateTemp("", "goserver-*.dat")
	if err != nil {
		panic(err)
	}
	defer os.Remove(file.Name())

	var mu sync.Mutex
	var fsyncNs, fsyncs, requests atomic.Int64
	block := make([]byte, 4096)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if _, err := file.Write(block); err != nil {
			panic(err)
		}
		start := time.Now()
		if err := file.Sync(); err != nil {
			panic(err)
		}
		fsyncNs.Add(time.Since(start).Nanoseconds())
		fsyncs.Add(1)
		mu.Unlock()
		io.WriteString(w, "ok")
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(listener, nil)

	// Idle goroutines: parked on channels that never fire.
	never := make(chan struct{})
	for i := 0; i < 50; i++ {
		go func() { <-never }()
	}

	url := fmt.Sprintf("http://%s/", listener.Addr())
	deadline := time.Now().Add(time.Duration(durationMs) * time.Millisecond)
	var clients sync.WaitGroup
	for c := 0; c < 4; c++ {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for time.Now().Before(deadline) {
				resp, err := http.Get(url)
				if err != nil {
					panic(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				requests.Add(1)
				// Think time: leaves the runtime's Ms idle between requests.
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	clients.Wait()
	json.NewEncoder(os.Stdout).Encode(map[string]int64{
		"pid": int64(os.Getpid()), "fsyncNs": fsyncNs.Load(), "fsyncs": fsyncs.Load(), "requests": requests.Load(),
	})
}
