// Command loadgen measures the example server (examples/server) under load
// over loopback, and in the same run a bare net/http server answering with
// the same bytes, so that its figures are ratios that hold on a noisy
// machine:
//
//	go run ./examples/loadgen -route get -c 32 -d 10s -users 1000
//
// Run it from the accountapi module. Progress goes to standard error, the
// report to standard output.
//
// # What one run does
//
//  1. Builds the example server once (go build, from the module root that
//     go env GOMOD names) into a temporary directory, unless -server names
//     a built one.
//  2. Creates a fresh store and seeds it before any server starts, by opening
//     it directly (store/sqlite or store/postgres, Open and Migrate): a new
//     SQLite file in the temporary directory, or a new schema
//     loadgen_<random>_<i> in the -postgres database, which the server finds
//     through search_path added to its DSN. N users are inserted in batches
//     of 10,000 with InsertUsers when the backend has it, else with
//     CreateUser, one transaction per batch. Each user has an id from
//     store.NewID, a username, a primary email, a name, a phone number (every
//     other user) and the password "Load-Test-Password-9", whose Argon2id
//     digest is computed once with package password's default configuration
//     (the server's) and shared by all users. The report gives the seeding
//     time.
//  3. Starts the server (or -replicas servers over one PostgreSQL schema)
//     with ACCOUNTAPI_ADDR=127.0.0.1:0, so that the kernel picks a free port
//     and the address is read from the line the server prints, a random
//     ACCOUNTAPI_DEV_SECRET and the store's variable; every other
//     ACCOUNTAPI_ variable of the environment is left out. It waits for GET
//     /healthz. Servers write their output to server-*.log in the temporary
//     directory.
//  4. Signs HS256 tokens itself (go-jose, the claims of the server's token
//     command: sub, scope, iat, exp) for up to 1,000 users drawn at random
//     from all N, so that requests touch the whole table.
//  5. Sends one request of the route and keeps the answer (status, headers,
//     body) for the baseline; a non-2xx answer stops the run with the body.
//  6. Drives the route with -c workers, each with its own keep-alive
//     connection (an http.Transport of its own), in a closed loop: a worker
//     sends its next request when it has read the previous answer. Worker w
//     talks to server w mod replicas. After -warmup, exchanges that start
//     and end within -d are measured.
//  7. Reads each server's peak RSS (VmHWM in /proc/<pid>/status) and stops
//     it.
//  8. After the runs of ours, re-executes its own binary with the hidden
//     flag -serve-baseline: a bare net/http server in a process of its own,
//     with the example server's timeouts, that reads each request body and
//     answers with the kept status, headers and body. It is driven exactly
//     as ours was (one process, -c workers, -warmup, -d).
//  9. Prints the report, stops every process it started and deletes the
//     temporary directory and the PostgreSQL schemas, also on Ctrl-C (a
//     SIGKILL leaves the files; on Linux the servers die with the load
//     generator).
//
// # Routes
//
//	get        GET /api/my-account
//	patch      PATCH /api/my-account {"name": "Load User <n>"}, a new name each time
//	password   POST /api/verifications/password {"password": "Load-Test-Password-9"}, 201
//	send-code  POST /api/verifications/verification-code
//	           {"identifier": {"type": "email", "value": <address>}}, 201
//
// send-code cycles through the seeded users' addresses (a new identifier for
// the token's user, except by chance), one per request, across the whole
// run. The server allows 10 sends per address in 10 minutes (429
// request.message_rate_limited): with N users, the first 10·N sends pass.
// 429 answers are counted apart ("limited") and are not errors.
//
// # Figures
//
// requests counts every exchange in the window; rps counts the 2xx answers
// per second of -d, and p50, p90 and p99 are their latencies (nearest rank),
// so that fast failures cannot flatter either. errors counts other answers
// and exchanges that got none; the report prints one example error with its
// body. When the workers dialled more connections than there are workers,
// the report says so: a connection was not kept alive.
//
// The ratio line divides ours by the baseline: the baseline's rps is what the
// machine, the loopback and this client allow for a response of those bytes
// at that moment, so the ratio is what our server costs over net/http
// itself. Where the issue states a target for the combination (C=32, one
// server) the line says whether it was met.
//
// With several -users values, each runs on a fresh store and "scale" lines
// divide the latencies at each size by those at the smallest. With several
// -replicas values, "replicas" lines divide the rps of each count by that of
// the smallest.
//
// # Burst
//
// -burst B replaces the timed load: B connections are opened first (each with
// a GET /healthz), then B requests of the route are released together, one
// per connection, and timed from the release to the last answer. Throughput
// is 2xx answers per second of that wall time. For -route password the
// report divides it by cores ÷ one hash's time, where cores is
// runtime.NumCPU and one hash's time is the median of 14 verifications of
// the seeded digest in the load generator's own process with the server's
// configuration, 7 just before the burst and 7 just after, while the servers
// are idle (so that the figure sees the machine as the burst did). It also
// gives the median latency of 5 requests sent one at a time, and the
// server's peak RSS. No baseline is driven in burst mode.
//
// # Flags
//
//	-store sqlite|postgres  the example server's store (sqlite)
//	-postgres DSN           PostgreSQL database for the fresh schemas (default
//	                        $ACCOUNTAPI_POSTGRES_DSN, else $ACCOUNTAPI_TEST_POSTGRES_DSN);
//	                        a URL or key=value DSN, as pgx reads it
//	-users N[,N…]           users to seed (1000); k and M suffixes; a list runs once per
//	                        value, each on a fresh store
//	-route R                get, patch, password or send-code (get)
//	-c C                    concurrent workers, one keep-alive connection each (32)
//	-d D                    measured duration (10s)
//	-warmup W               load before the measured duration (2s)
//	-replicas K[,K…]        servers over one store (1); a list runs once per value;
//	                        above 1 needs -store postgres (two processes on one SQLite
//	                        file do not share its write gate)
//	-burst B                fire B concurrent requests once instead of -d of load
//	-keep DIR               work in DIR and keep the server binary, SQLite files, logs,
//	                        the baseline's response and the PostgreSQL schemas
//	-sqlite-synchronous M   the server's -sqlite-synchronous: full (the default; each
//	                        commit waits for the disk) or normal (it does not)
//	-json                   print the report as JSON (latencies in ms, sizes in bytes)
//	-baseline=false         skip the baseline
//	-server BIN             run this example-server binary instead of building one
//	-target URL             drive a running example server instead of starting one;
//	-dev-secret S           needs its ACCOUNTAPI_DEV_SECRET,
//	-db FILE                and its store: -db with sqlite, -postgres with postgres.
//	                        The users are seeded into that store (usernames and
//	                        emails carry a random tag, phones are left out) and stay
//	                        there; no peak RSS is reported.
//
// # The targets
//
// On the 2-core machine, SQLite, HS256 tokens, C=32:
//
//	# GET ≥ 50% of the baseline's rps, p99 ≤ 5 ms
//	go run ./examples/loadgen -route get
//	# PATCH (name) ≥ 25% of the baseline's rps
//	go run ./examples/loadgen -route patch
//	# with PostgreSQL, GET ≥ 35% of the baseline's rps
//	go run ./examples/loadgen -store postgres -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -route get
//	# 200 concurrent password checks at ≥ 90% of cores ÷ one hash's time, peak RSS ≤ 256 MiB
//	go run ./examples/loadgen -route password -burst 200
//	# latency with 1,000,000 users ≤ 1.3× that with 1,000, for GET and for a code send
//	go run ./examples/loadgen -route get -users 1k,1M
//	go run ./examples/loadgen -route send-code -users 1k,1M
//	# two servers over one PostgreSQL serve GET at ≥ 1.6× the rps of one
//	go run ./examples/loadgen -store postgres -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -route get -replicas 1,2
//
// Seeding a million users takes a while (the store's InsertUsers; the SQLite
// file grows to some hundreds of MB). The load generator shares the machine
// with the server: on 2 cores it takes a good part of one, for ours and the
// baseline alike. No test asserts a figure; loadgen_test.go only runs it
// briefly (skipped under -short; the PostgreSQL test needs
// ACCOUNTAPI_TEST_POSTGRES_DSN).
package main
