package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"strings"
	"sync"
)

// keyCacheGeneration bounds the signing-key cache: it holds at most two
// generations of this many entries (a few hundred bytes each).
const keyCacheGeneration = 1024

// cacheKey identifies a derived signing key. It holds a SHA-256
// fingerprint of the secret, never the secret: a rotated secret misses.
type cacheKey struct {
	accessKeyID string
	secret      [sha256.Size]byte
	date        string
	region      string
	service     string
}

func newCacheKey(c *Credential, s Scope) cacheKey {
	return cacheKey{
		accessKeyID: s.AccessKeyID,
		secret:      sha256.Sum256(c.Secret),
		date:        s.Date,
		region:      s.Region,
		service:     s.Service,
	}
}

// signingKey is a derived signing key with a pool of HMAC-SHA256 states
// keyed with it: a pooled state restores its inner and outer pads on Reset
// instead of hashing them again, so a cached key costs no allocation and
// two fewer SHA-256 blocks per request.
type signingKey struct {
	key  [32]byte
	macs sync.Pool
}

func newSigningKey(k [32]byte) *signingKey {
	sk := &signingKey{key: k}
	sk.macs.New = func() any { return hmac.New(sha256.New, sk.key[:]) }
	return sk
}

// appendSign appends HMAC-SHA256(key, msg) to dst.
func (sk *signingKey) appendSign(dst, msg []byte) []byte {
	m := sk.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(msg)
	dst = m.Sum(dst)
	sk.macs.Put(m)
	return dst
}

// keyCache caches derived signing keys (kSigning) for a day's scope. It is
// a two-generation cache: when the current map is full it becomes the
// previous one and the old previous one is dropped, and a hit in the
// previous map moves the entry forward. Keys stop being used at the end of
// their UTC day, so that is eviction enough. Dropped keys are left to the
// garbage collector rather than zeroed: a request that fetched one just
// before may still be using it.
//
// Only keys of requests whose signature verified are put in, so an
// unauthenticated client cannot fill it.
type keyCache struct {
	mu   sync.RWMutex
	cur  map[cacheKey]*signingKey
	prev map[cacheKey]*signingKey
}

func (c *keyCache) get(k cacheKey) (*signingKey, bool) {
	c.mu.RLock()
	v, ok := c.cur[k]
	c.mu.RUnlock()
	if ok {
		return v, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	if v, ok := c.prev[k]; ok {
		delete(c.prev, k)
		c.insertLocked(k, v)
		return v, true
	}
	return nil, false
}

func (c *keyCache) put(k cacheKey, v *signingKey) {
	// Own the strings: they point into the request's headers.
	k.accessKeyID = strings.Clone(k.accessKeyID)
	k.date = strings.Clone(k.date)
	k.region = strings.Clone(k.region)
	k.service = strings.Clone(k.service)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.insertLocked(k, v)
}

func (c *keyCache) insertLocked(k cacheKey, v *signingKey) {
	if c.cur == nil {
		c.cur = make(map[cacheKey]*signingKey)
	}
	if _, ok := c.cur[k]; !ok && len(c.cur) >= keyCacheGeneration {
		c.prev, c.cur = c.cur, make(map[cacheKey]*signingKey, keyCacheGeneration)
	}
	c.cur[k] = v
}

// len reports the number of cached keys (for tests).
func (c *keyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.cur) + len(c.prev)
}

// deriveSigningKey computes kSigning = HMAC chain over "AWS4"+secret, date,
// region, service and "aws4_request". Intermediate keys are zeroed.
func deriveSigningKey(secret []byte, date, region, service string) [32]byte {
	k := make([]byte, 0, 4+len(secret))
	k = append(k, "AWS4"...)
	k = append(k, secret...)
	var key [32]byte
	step := func(key []byte, data string, out *[32]byte) {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(data))
		m.Sum(out[:0])
	}
	step(k, date, &key)
	clear(k)
	step(key[:], region, &key)
	step(key[:], service, &key)
	step(key[:], terminator, &key)
	return key
}
