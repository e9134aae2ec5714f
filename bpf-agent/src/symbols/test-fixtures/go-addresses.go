// Prints the addresses a symbolizer test must name, then blocks until killed:
// the entry of one of its own functions, and the entry of runtime.notesleep,
// found through the runtime's own function table (runtime.FuncForPC), not by
// reading the ELF file the test is checking.
package main

import (
	"fmt"
	"reflect"
	"runtime"
	"time"
)

//go:noinline
func blockedInHandler() {
	time.Sleep(time.Hour)
}

// entryOf scans the text around a known runtime function for the named one.
// Function entries are at least 16-byte aligned on amd64 and arm64.
func entryOf(name string) uintptr {
	known := reflect.ValueOf(runtime.Gosched).Pointer()
	const scanBytes = 64 << 20
	for _, step := range []int64{16, -16} {
		for offset := int64(0); offset < scanBytes && offset > -scanBytes; offset += step {
			f := runtime.FuncForPC(uintptr(int64(known) + offset))
			if f == nil {
				break
			}
			if f.Name() == name {
				return f.Entry()
			}
		}
	}
	return 0
}

func main() {
	fmt.Printf("main.blockedInHandler %#x\n", reflect.ValueOf(blockedInHandler).Pointer())
	fmt.Printf("runtime.notesleep %#x\n", entryOf("runtime.notesleep"))
	fmt.Println("ready")
	blockedInHandler()
}
