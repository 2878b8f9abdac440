package bearer

import (
	"cmp"
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// tokenKey identifies a token in memory without holding it: the SHA-256 of
// the token. A heap dump or a debugger then shows digests, not credentials.
type tokenKey [32]byte

// result is an introspection outcome as cached and as handed to waiters.
type result struct {
	principal Principal
	err       error // nil, or wraps ErrInvalidToken (only those are cached)
}

type cacheEntry struct {
	key     tokenKey
	res     result
	expires time.Time
}

// lruCache is a size-bounded map from token digest to result, evicting the
// least recently used entry when full. It is not safe for concurrent use;
// Introspector guards it with its mutex.
type lruCache struct {
	max   int
	order *list.List // front = most recently used; values are *cacheEntry
	items map[tokenKey]*list.Element
}

func newLRUCache(max int) *lruCache {
	return &lruCache{max: max, order: list.New(), items: make(map[tokenKey]*list.Element)}
}

// get returns the live entry for k; an expired one is dropped.
func (c *lruCache) get(k tokenKey, now time.Time) (result, bool) {
	el, ok := c.items[k]
	if !ok {
		return result{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.items, k)
		return result{}, false
	}
	c.order.MoveToFront(el)
	return e.res, true
}

// put stores r for k until expires, evicting the least recently used entry
// if the cache is full.
func (c *lruCache) put(k tokenKey, r result, expires time.Time) {
	if el, ok := c.items[k]; ok {
		e := el.Value.(*cacheEntry)
		e.res, e.expires = r, expires
		c.order.MoveToFront(el)
		return
	}
	if c.order.Len() >= c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*cacheEntry).key)
	}
	c.items[k] = c.order.PushFront(&cacheEntry{key: k, res: r, expires: expires})
}

func (c *lruCache) len() int { return c.order.Len() }

// verifiedCache remembers tokens that passed every check, keyed by their
// SHA-256, each until a deadline its authenticator sets (never beyond the
// token's exp plus the leeway). It is safe for concurrent use; a nil
// *verifiedCache remembers nothing.
type verifiedCache struct {
	mu  sync.Mutex
	lru *lruCache
}

// DefaultVerifiedCacheSize is the number of verified tokens an HS256 or
// JWKS authenticator remembers unless told otherwise: a few MiB at most.
const DefaultVerifiedCacheSize = 10000

// newVerifiedCache returns a cache of size entries (0 means
// DefaultVerifiedCacheSize), or nil when size is negative.
func newVerifiedCache(size int) *verifiedCache {
	if size < 0 {
		return nil
	}
	return &verifiedCache{lru: newLRUCache(cmp.Or(size, DefaultVerifiedCacheSize))}
}

// get returns the principal of a remembered token, a copy the caller may
// change, and the token's key for put.
func (c *verifiedCache) get(token string, now time.Time) (Principal, tokenKey, bool) {
	if c == nil {
		return Principal{}, tokenKey{}, false
	}
	key := tokenKey(sha256.Sum256([]byte(token)))
	c.mu.Lock()
	res, ok := c.lru.get(key, now)
	c.mu.Unlock()
	if !ok {
		return Principal{}, key, false
	}
	return res.principal.clone(), key, true
}

// put remembers the token of key, verified as p, until until.
func (c *verifiedCache) put(key tokenKey, p Principal, until time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.lru.put(key, result{principal: p.clone()}, until)
	c.mu.Unlock()
}
