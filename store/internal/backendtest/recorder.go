package backendtest

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
)

// Statement is one statement a store sent to its database: the SQL text as
// the driver received it, and the arguments bound to it (none for the
// statements bun writes, which carry their values in the text).
type Statement struct {
	Query string
	Args  []any
}

// Recorder records the statements that go through the connectors it wraps
// ([Recorder.Wrap]) between Start and Stop. It sits under database/sql, so it
// sees every statement of a store, whether bun built it or not, prepared or
// not, in a transaction or not. It is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	on    bool
	stmts []Statement
}

// Start starts recording.
func (r *Recorder) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on, r.stmts = true, nil
}

// Stop stops recording and returns the statements recorded since Start, in
// the order they ran.
func (r *Recorder) Stop() []Statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	stmts := r.stmts
	r.on, r.stmts = false, nil
	return stmts
}

func (r *Recorder) record(query string, args []driver.NamedValue) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on {
		return
	}
	s := Statement{Query: query}
	for _, a := range args {
		s.Args = append(s.Args, a.Value)
	}
	r.stmts = append(r.stmts, s)
}

// Wrap returns a connector whose connections are c's, recording the
// statements run on them.
func (r *Recorder) Wrap(c driver.Connector) driver.Connector {
	return &recConnector{Connector: c, r: r}
}

type recConnector struct {
	driver.Connector
	r *Recorder
}

func (c *recConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &recConn{Conn: conn, r: c.r}, nil
}

// recConn is a driver.Conn that records the statements run on it. It has
// every optional interface database/sql looks for, and passes each call on
// to the wrapped connection, or answers as database/sql does when the wrapped
// connection lacks the interface.
type recConn struct {
	driver.Conn
	r *Recorder
}

var (
	_ driver.ConnPrepareContext = (*recConn)(nil)
	_ driver.ConnBeginTx        = (*recConn)(nil)
	_ driver.ExecerContext      = (*recConn)(nil)
	_ driver.QueryerContext     = (*recConn)(nil)
	_ driver.Pinger             = (*recConn)(nil)
	_ driver.SessionResetter    = (*recConn)(nil)
	_ driver.Validator          = (*recConn)(nil)
	_ driver.NamedValueChecker  = (*recConn)(nil)
)

func (c *recConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *recConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &recStmt{Stmt: st, conn: c.Conn, query: query, r: c.r}, nil
}

func (c *recConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() // as database/sql falls back
}

func (c *recConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares the statement instead
	}
	res, err := e.ExecContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.r.record(query, args)
	}
	return res, err
}

func (c *recConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.r.record(query, args)
	}
	return rows, err
}

func (c *recConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *recConn) ResetSession(ctx context.Context) error {
	if s, ok := c.Conn.(driver.SessionResetter); ok {
		return s.ResetSession(ctx)
	}
	return nil
}

func (c *recConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *recConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip // database/sql's default conversion
}

// recStmt is a prepared statement that records each of its runs.
type recStmt struct {
	driver.Stmt
	conn  driver.Conn // the wrapped connection that prepared it
	query string
	r     *Recorder
}

var (
	_ driver.StmtExecContext   = (*recStmt)(nil)
	_ driver.StmtQueryContext  = (*recStmt)(nil)
	_ driver.NamedValueChecker = (*recStmt)(nil)
)

func (s *recStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.r.record(s.query, args)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) // as database/sql falls back
}

func (s *recStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.r.record(s.query, args)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return s.Stmt.Query(values(args)) // as database/sql falls back
}

// CheckNamedValue is the statement's check, else its connection's, as
// database/sql picks them for an unwrapped statement.
func (s *recStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	if n, ok := s.conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func values(args []driver.NamedValue) []driver.Value {
	vs := make([]driver.Value, len(args))
	for i, a := range args {
		vs[i] = a.Value
	}
	return vs
}
