// The Go service of issue 6's first measurement, for the top list of
// docs/benchmarks.md (blocking-server): a TCP server whose request handlers
// take a sync.Mutex, write and fsync a file, then flock(2) a lock file that a
// second process holds for 30 ms of every 100 ms; idle goroutines park on
// channels, and the runtime parks its idle threads in futex. Its own clients
// drive it for the given time; it measures its own fsync and flock time and
// prints one JSON line: {"pid":..,"fsyncNs":..,"flockNs":..,"requests":..}.
// usage: blockserver DURATION_MS   (blockserver hold LOCKFILE DURATION_MS: the holder)
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	clients     = 8
	idleWorkers = 100
	holdMs      = 30
	periodMs    = 100
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == "hold" {
		hold(os.Args[2], mustAtoi(os.Args[3]))
		return
	}
	durationMs := mustAtoi(os.Args[1])
	dir, err := os.MkdirTemp("", "blockserver-")
	check(err)
	defer os.RemoveAll(dir)
	lockPath := filepath.Join(dir, "lock")
	check(os.WriteFile(lockPath, nil, 0o600))
	data, err := os.Create(filepath.Join(dir, "data"))
	check(err)

	holder := exec.Command(os.Args[0], "hold", lockPath, strconv.Itoa(durationMs+1000))
	holder.Stderr = os.Stderr
	check(holder.Start())

	for i := 0; i < idleWorkers; i++ {
		go func() { <-make(chan struct{}) }()
	}

	var mu sync.Mutex
	var fsyncNs, flockNs, requests atomic.Int64
	block := make([]byte, 4096)
	handle := func() {
		mu.Lock()
		_, err := data.Write(block)
		check(err)
		start := time.Now()
		check(data.Sync())
		fsyncNs.Add(time.Since(start).Nanoseconds())
		mu.Unlock()

		// Each request opens the lock file: flock is held per open file, so the handlers wait on the holder and on each other.
		lock, err := os.Open(lockPath)
		check(err)
		start = time.Now()
		check(syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
		flockNs.Add(time.Since(start).Nanoseconds())
		check(lock.Close())
		requests.Add(1)
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				in := bufio.NewReader(conn)
				for {
					if _, err := in.ReadString('\n'); err != nil {
						return
					}
					handle()
					if _, err := conn.Write([]byte("ok\n")); err != nil {
						return
					}
				}
			}()
		}
	}()

	deadline := time.Now().Add(time.Duration(durationMs) * time.Millisecond)
	var done sync.WaitGroup
	for i := 0; i < clients; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			conn, err := net.Dial("tcp", listener.Addr().String())
			check(err)
			defer conn.Close()
			in := bufio.NewReader(conn)
			for time.Now().Before(deadline) {
				_, err := conn.Write([]byte("go\n"))
				check(err)
				_, err = in.ReadString('\n')
				check(err)
			}
		}()
	}
	done.Wait()
	check(holder.Process.Kill())
	holder.Wait()
	out, err := json.Marshal(map[string]int64{
		"pid": int64(os.Getpid()), "fsyncNs": fsyncNs.Load(), "flockNs": flockNs.Load(), "requests": requests.Load(),
	})
	check(err)
	fmt.Println(string(out))
}

// hold takes the lock for holdMs of every periodMs.
func hold(lockPath string, durationMs int) {
	lock, err := os.Open(lockPath)
	check(err)
	deadline := time.Now().Add(time.Duration(durationMs) * time.Millisecond)
	for time.Now().Before(deadline) {
		check(syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
		time.Sleep(holdMs * time.Millisecond)
		check(syscall.Flock(int(lock.Fd()), syscall.LOCK_UN))
		time.Sleep((periodMs - holdMs) * time.Millisecond)
	}
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	check(err)
	return n
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
