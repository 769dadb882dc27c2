//go:build unix

package sqlite

import (
	"io/fs"
	"os"
	"syscall"
)

// writable reports whether this process may write to path (a read-only
// mount says so even to root).
func writable(path string) error {
	return syscall.Access(path, 0x2) // W_OK
}

// openNoFollow opens path for reading; a symbolic link there is an error
// rather than followed.
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
}

// devIno returns the device and inode of a file.
func devIno(st fs.FileInfo) (dev, ino uint64) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Dev), uint64(s.Ino)
	}
	return 0, 0
}
