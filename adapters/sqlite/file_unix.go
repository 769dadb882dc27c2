//go:build unix

package sqlite

import "syscall"

// writable reports whether this process may write to path (a read-only
// mount says so even to root).
func writable(path string) error {
	return syscall.Access(path, 0x2) // W_OK
}
