//go:build !linux

package sqlite

// born is not known here: the device and inode identify the file.
func born(string) int64 { return 0 }
