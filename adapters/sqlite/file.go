package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// prepareFile makes sure the database file can be used: a new one is
// created readable by its owner only (it holds people's requests, names
// and votes; SQLite gives its -wal and -shm files the same mode), and an
// existing one must be a regular file the helpdesk can write, in a
// directory where SQLite can make its journal: a read-only database would
// open and then fail every command.
func prepareFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create the database file: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if st.Mode().Perm()&0o200 == 0 {
		return errors.New("the database file is read-only: the helpdesk must write to it (chmod u+w, or run as its owner)")
	}
	if err := writable(path); err != nil {
		return fmt.Errorf("the database file cannot be written: %w", err)
	}
	if err := writable(filepath.Dir(path)); err != nil {
		return fmt.Errorf("the database's directory cannot be written, and SQLite keeps its journal there: %w", err)
	}
	return nil
}
