package statecache

// lruList is a doubly linked list of entries, through their prev and
// next fields, around a sentinel. Unlike container/list it allocates
// nothing per entry and needs no type assertion to reach one: a cache of
// a million states holds a million fewer objects for the collector to
// mark. The zero value is an empty list; the cache's mutex guards it.
type lruList struct {
	root entry // root.next is the front, root.prev the back
	len  int
}

// init empties l.
func (l *lruList) init() {
	l.root.next, l.root.prev = &l.root, &l.root
	l.len = 0
}

// lazyInit makes a zero l an empty list.
func (l *lruList) lazyInit() {
	if l.root.next == nil {
		l.init()
	}
}

// insertAfter links e after at, which is in l.
func (l *lruList) insertAfter(e, at *entry) {
	e.prev, e.next = at, at.next
	at.next.prev = e
	at.next = e
	l.len++
}

// pushFront puts e, in no list, at the front.
func (l *lruList) pushFront(e *entry) {
	l.lazyInit()
	l.insertAfter(e, &l.root)
}

// pushBack puts e, in no list, at the back.
func (l *lruList) pushBack(e *entry) {
	l.lazyInit()
	l.insertAfter(e, l.root.prev)
}

// remove unlinks e; an entry in no list is left as it is.
func (l *lruList) remove(e *entry) {
	if e.prev == nil {
		return
	}
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
	l.len--
}

// moveToFront moves e, which is in l, to the front.
func (l *lruList) moveToFront(e *entry) {
	if l.root.next == e {
		return
	}
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = &l.root, l.root.next
	l.root.next.prev = e
	l.root.next = e
}

// back returns the last entry, or nil when l is empty.
func (l *lruList) back() *entry {
	if l.len == 0 {
		return nil
	}
	return l.root.prev
}
