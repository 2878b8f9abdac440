package bearer

import (
	"container/list"
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
