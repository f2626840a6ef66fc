//go:build unix

package audit

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Lock takes an exclusive flock on dir/LOCK; closing the result releases it.
// A process that dies releases its lock.
func (OSFS) Lock(dir string) (io.Closer, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit: log directory %s is in use by another process: %w", dir, err)
	}
	return f, nil
}
