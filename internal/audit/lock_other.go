//go:build !unix

package audit

import "io"

type noLock struct{}

func (noLock) Close() error { return nil }

// Lock does nothing on systems without flock.
func (OSFS) Lock(dir string) (io.Closer, error) { return noLock{}, nil }
