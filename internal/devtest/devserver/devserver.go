// Package devserver runs a real Temporal server inside the fundflow process,
// persisted in SQLite, for `fundflow dev` and for integration tests. It links
// the whole Temporal server, so only the dev build and a few test packages
// import it; production binaries are built with the nodev tag and talk to an
// external cluster instead.
//
// Only tests and `fundflow dev` import it; the production build (tag nodev)
// never does.
package devserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	tokenspb "go.temporal.io/server/api/token/v1"
	servercluster "go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"

	"github.com/fundflow/fundflow/internal/adapter/cluster"
)

// Config describes one embedded server.
type Config struct {
	// DatabaseFile is the SQLite file; empty with Ephemeral for in-memory.
	DatabaseFile string
	Ephemeral    bool
	// Namespace is registered on start with Retention, so closed workflows
	// (the record of every decision) outlive the server default of one day.
	Namespace string
	Retention time.Duration
	// FrontendAddr is host:port for the gRPC frontend; port 0 picks one.
	FrontendAddr string
	// SearchAttributes are registered on the namespace on every start;
	// registering an existing one is a no-op.
	SearchAttributes map[string]enumspb.IndexedValueType
	// LogLevel for the server's own logger, which writes JSON to stderr
	// (debug, info, warn, error, fatal).
	LogLevel string
	// SuggestContinueAsNewAfter, when set, is the history length at which
	// the server suggests Continue-As-New (4 Ki events by default), so a
	// test can make workflows continue as new within a few Updates.
	SuggestContinueAsNewAfter int
}

// Server is a running embedded Temporal server.
type Server struct {
	server   temporal.Server
	hostPort string
	cfg      Config
}

// Start brings up the server and returns once its namespace and search
// attributes are ready for clients.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Namespace == "" {
		cfg.Namespace = "default"
	}
	if cfg.Retention == 0 {
		cfg.Retention = cluster.AuditRetention
	}
	if cfg.LogLevel == "" {
		// The server logs membership errors with stack traces every time it
		// boots and stops; in development they drown fundflow's own log.
		cfg.LogLevel = "fatal"
	}
	if cfg.Ephemeral == (cfg.DatabaseFile != "") {
		return nil, errors.New("devserver: set exactly one of DatabaseFile or Ephemeral")
	}
	host, port, err := frontendAddr(cfg.FrontendAddr)
	if err != nil {
		return nil, err
	}
	sqlCfg, err := sqliteConfig(cfg)
	if err != nil {
		return nil, err
	}
	srvCfg, err := serverConfig(host, port, sqlCfg)
	if err != nil {
		return nil, err
	}
	logger := log.NewZapLogger(log.BuildZapLogger(log.Config{Level: cfg.LogLevel, Format: "json"}))
	dyn := dynamicconfig.StaticClient{
		// Search attributes registered a moment ago must be usable by
		// the very next workflow start.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): []dynamicconfig.ConstrainedValue{{Value: true}},
		// A fund workflow takes every credit Update for its fund. The
		// default of 10 in flight turns a burst of panel decisions into
		// a storm of client retries; the workflow handles each Update
		// without blocking, so admitting a few hundred costs little.
		dynamicconfig.WorkflowExecutionMaxInFlightUpdates.Key(): []dynamicconfig.ConstrainedValue{{Value: 500}},
	}
	if cfg.SuggestContinueAsNewAfter > 0 {
		dyn[dynamicconfig.HistoryCountSuggestContinueAsNew.Key()] = []dynamicconfig.ConstrainedValue{{Value: cfg.SuggestContinueAsNewAfter}}
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(srvCfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: create: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("devserver: start: %w", err)
	}
	s := &Server{server: srv, hostPort: net.JoinHostPort(host, strconv.Itoa(port)), cfg: cfg}
	if err := s.prepareNamespace(ctx); err != nil {
		_ = srv.Stop()
		return nil, err
	}
	return s, nil
}

// HostPort is the gRPC frontend address clients dial.
func (s *Server) HostPort() string { return s.hostPort }

// Namespace is the namespace the server prepared.
func (s *Server) Namespace() string { return s.cfg.Namespace }

// Stop shuts the server down; stop workers first so they don't spin on a
// vanished frontend.
func (s *Server) Stop() error { return s.server.Stop() }

func (s *Server) prepareNamespace(ctx context.Context) error {
	c, err := client.DialContext(ctx, client.Options{HostPort: s.hostPort, Namespace: s.cfg.Namespace, Logger: quietLogger()})
	if err != nil {
		return fmt.Errorf("devserver: dial own frontend: %w", err)
	}
	defer c.Close()
	spec := cluster.Spec{Namespace: s.cfg.Namespace, Retention: s.cfg.Retention, SearchAttributes: s.cfg.SearchAttributes}
	if err := cluster.Setup(ctx, c, spec); err != nil {
		return fmt.Errorf("devserver: %w", err)
	}
	if s.cfg.Ephemeral {
		return nil
	}
	return failOrphanedWorkflowTasks(ctx, c, s.cfg.Namespace)
}

// failOrphanedWorkflowTasks fails every workflow task that the previous
// process's worker had started and will never finish. The server would
// wait out each task's ten-second start-to-close timeout, and every Query
// of the workflow (the start-up rebuild of the read models asks each
// application) waits with it, so a restart after kill -9 took ten seconds
// however few workflows were busy. As with the membership ring, this
// process is the only one that serves the file, so any started task is an
// orphan. The task token is the server's own, which dev links.
func failOrphanedWorkflowTasks(ctx context.Context, c client.Client, namespace string) error {
	svc := c.WorkflowService()
	ns, err := svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("devserver: describe namespace: %w", err)
	}
	var page []byte
	for {
		resp, err := svc.ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, Query: "ExecutionStatus = 'Running'", NextPageToken: page,
		})
		if err != nil {
			return fmt.Errorf("devserver: list running workflows: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			// Best effort: a task this cannot fail only waits out its
			// timeout, as it did before, so it must not stop dev starting.
			_ = failOrphanedWorkflowTask(ctx, c, namespace, ns.GetNamespaceInfo().GetId(), e.GetExecution())
		}
		if page = resp.GetNextPageToken(); len(page) == 0 {
			return nil
		}
	}
}

func failOrphanedWorkflowTask(ctx context.Context, c client.Client, namespace, namespaceID string, wf *commonpb.WorkflowExecution) error {
	svc := c.WorkflowService()
	d, err := svc.DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{Namespace: namespace, Execution: wf})
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		return nil
	}
	if err != nil {
		return err
	}
	task := d.GetPendingWorkflowTask()
	// A retried task (attempt > 1) is not in the history, so its id is
	// unknown; it is rare enough to leave to its timeout.
	if task.GetState() != enumspb.PENDING_WORKFLOW_TASK_STATE_STARTED || task.GetAttempt() != 1 {
		return nil
	}
	h, err := svc.GetWorkflowExecutionHistoryReverse(ctx, &workflowservice.GetWorkflowExecutionHistoryReverseRequest{
		Namespace: namespace, Execution: d.GetWorkflowExecutionInfo().GetExecution(), MaximumPageSize: 20,
	})
	if err != nil {
		return err
	}
	var scheduled int64
	for _, e := range h.GetHistory().GetEvents() {
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED {
			scheduled = e.GetEventId()
			break
		}
	}
	if scheduled == 0 {
		return nil
	}
	token, err := (&tokenspb.Task{
		NamespaceId: namespaceID, WorkflowId: wf.GetWorkflowId(), RunId: d.GetWorkflowExecutionInfo().GetExecution().GetRunId(),
		ScheduledEventId: scheduled, Attempt: task.GetAttempt(), StartedTime: task.GetStartedTime(),
	}).Marshal()
	if err != nil {
		return err
	}
	_, err = svc.RespondWorkflowTaskFailed(ctx, &workflowservice.RespondWorkflowTaskFailedRequest{
		Namespace: namespace, TaskToken: token, Identity: "fundflow dev start-up",
		Cause:   enumspb.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
		Failure: &failurepb.Failure{Message: "the worker that started this task died with the previous process"},
	})
	if errors.As(err, &gone) {
		// Finished or timed out meanwhile.
		return nil
	}
	return err
}

func sqliteConfig(cfg Config) (*config.SQL, error) {
	sc := &config.SQL{PluginName: sqliteplugin.PluginName, ConnectAttributes: map[string]string{}}
	if cfg.Ephemeral {
		sc.ConnectAttributes["mode"] = "memory"
		sc.ConnectAttributes["cache"] = "shared"
		// Shared-cache memory databases are process-global by name; a unique
		// name keeps two servers in one test binary apart.
		sc.DatabaseName = fmt.Sprintf("fundflow-%d", time.Now().UnixNano())
		return sc, nil
	}
	sc.DatabaseName = cfg.DatabaseFile
	sc.ConnectAttributes["mode"] = "rwc"
	// WAL survives a SIGKILL of the process without losing committed
	// transactions and lets readers run beside the single writer.
	sc.ConnectAttributes["journal_mode"] = "wal"
	sc.ConnectAttributes["synchronous"] = "normal"
	sc.ConnectAttributes["busy_timeout"] = "10000"
	if err := os.MkdirAll(filepath.Dir(cfg.DatabaseFile), 0o750); err != nil {
		return nil, fmt.Errorf("devserver: data dir: %w", err)
	}
	if _, err := os.Stat(cfg.DatabaseFile); errors.Is(err, os.ErrNotExist) {
		if err := sqliteschema.SetupSchema(sc); err != nil {
			return nil, fmt.Errorf("devserver: create schema in %s: %w", cfg.DatabaseFile, err)
		}
		return sc, nil
	}
	if err := forgetMembers(cfg.DatabaseFile); err != nil {
		return nil, err
	}
	return sc, nil
}

// forgetMembers clears the membership ring a previous process left behind.
// After a crash its hosts still look alive for a minute, and the new server
// waits for them before taking over the history shard; this process is the
// only one that ever serves the file, so every recorded member is dead.
func forgetMembers(file string) error {
	db, err := sql.Open("sqlite", file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("devserver: open %s: %w", file, err)
	}
	defer db.Close()
	if _, err := db.Exec("DELETE FROM cluster_membership"); err != nil {
		return fmt.Errorf("devserver: reset membership in %s: %w", file, err)
	}
	return nil
}

func serverConfig(host string, frontendPort int, sql *config.SQL) (*config.Config, error) {
	ports, err := freePorts(host, 7)
	if err != nil {
		return nil, err
	}
	service := func(grpc, membership int, bindFrontend bool) config.Service {
		rpc := config.RPC{GRPCPort: grpc, MembershipPort: membership, BindOnLocalHost: true}
		if bindFrontend {
			rpc.BindOnLocalHost = false
			rpc.BindOnIP = host
		}
		return config.Service{RPC: rpc}
	}
	frontend := net.JoinHostPort(host, strconv.Itoa(frontendPort))
	return &config.Config{
		// No Metrics: the server's own would be served on a port nobody
		// is told of, and recording them cost CPU on every call. The
		// fundflow process's /metrics carries the SDK's view instead.
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: "127.0.0.1"},
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sql}},
		},
		ClusterMetadata: &servercluster.Config{
			FailoverVersionIncrement: 10,
			MasterClusterName:        "active",
			CurrentClusterName:       "active",
			ClusterInformation: map[string]servercluster.ClusterInformation{
				"active": {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": service(frontendPort, ports[0], true),
			"history":  service(ports[1], ports[2], false),
			"matching": service(ports[3], ports[4], false),
			"worker":   service(ports[5], ports[6], false),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		// The server's internal workers need to dial the frontend too.
		PublicClient: config.PublicClient{HostPort: frontend},
	}, nil
}

// frontendAddr resolves host:port, choosing a free port for port 0 and
// failing early, with the address in the message, when the port is taken.
func frontendAddr(addr string) (string, int, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("devserver: frontend address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return "", 0, fmt.Errorf("devserver: frontend port %q is not a number", portStr)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return "", 0, fmt.Errorf("devserver: Temporal frontend address %s is not available: %w", addr, err)
	}
	port = l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return host, port, nil
}

// freePorts asks the kernel for n distinct free ports at once; holding all
// listeners until the end keeps the kernel from handing out one twice.
func freePorts(host string, n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", "0"))
		if err != nil {
			return nil, fmt.Errorf("devserver: no free port on %s: %w", host, err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// quietLogger keeps the SDK client's chatter out of fundflow's log stream.
func quietLogger() sdklog.Logger { return sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }
