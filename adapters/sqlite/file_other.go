//go:build !unix

package sqlite

import (
	"errors"
	"io/fs"
	"os"
)

// writable is not checked where there is no access(2): SQLite's first
// write says it instead.
func writable(string) error { return nil }

// openNoFollow opens path for reading, refusing a symbolic link (checked
// first: there is no O_NOFOLLOW here).
func openNoFollow(path string) (*os.File, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		return nil, errors.New(path + " is a symbolic link")
	}
	return os.Open(path)
}

// devIno is not known here: the size and the content identify a file.
func devIno(fs.FileInfo) (dev, ino uint64) { return 0, 0 }
