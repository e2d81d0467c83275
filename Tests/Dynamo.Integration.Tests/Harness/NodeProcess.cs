using System.Diagnostics;
using System.Globalization;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>
/// One <c>dynamo-server</c> node process: its id, port and data directory stay the same across restarts (each
/// start is a new epoch); its output and error lines are kept, tagged with the node and its start number.
/// </summary>
internal sealed class NodeProcess
{
    private readonly List<string> _output = [];
    private Process? _process;
    private int _starts;

    public NodeProcess(string id, int port, string dataDirectory)
    {
        Id = id;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public string Id { get; }

    public int Port { get; }

    /// <summary>"127.0.0.1:port", as the driver and the CLI name the node.</summary>
    public string Endpoint => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public string DataDirectory { get; }

    /// <summary>True while the current process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>True from a start until a kill: the node is meant to be running (it may have failed).</summary>
    public bool IsWanted { get; private set; }

    /// <summary>The current process's id (the last one when it has exited).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException($"Node {Id} was never started.");

    /// <summary>The exit code of the last process, or null while it runs.</summary>
    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

    /// <summary>How many lines of output have been kept so far (a mark for <see cref="OutputSince"/>).</summary>
    public int OutputCount
    {
        get
        {
            lock (_output)
            {
                return _output.Count;
            }
        }
    }

    /// <summary>The lines kept since <paramref name="mark"/>.</summary>
    public IReadOnlyList<string> OutputSince(int mark)
    {
        lock (_output)
        {
            return _output.Skip(mark).ToList();
        }
    }

    /// <summary>Starts the node with <paramref name="arguments"/> (the cluster's shared options).</summary>
    public void Start(IEnumerable<string> arguments)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Node {Id} is already running.");
        }

        _process?.Dispose();
        Directory.CreateDirectory(DataDirectory);
        var tag = $"[{Id}#{++_starts}] ";
        var process = new Process { StartInfo = Executables.StartInfo(Executables.Server, arguments) };
        process.OutputDataReceived += (_, e) => Keep(tag, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(tag + "(stderr) ", e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        IsWanted = true;
    }

    /// <summary>kill -9 of the node (and anything it started), then waits until it has exited.</summary>
    public async Task KillAsync()
    {
        IsWanted = false;
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await Deadline.ExitAsync(_process, Deadline.Step, $"node {Id} after kill -9");
    }

    /// <summary>A clean stop: SIGTERM, then waits for the exit and returns its code (0 after a clean stop).</summary>
    public async Task<int> StopAsync()
    {
        IsWanted = false;
        if (_process is null || _process.HasExited)
        {
            return _process?.ExitCode ?? 0;
        }

        Signals.Send(_process.Id, Signals.Terminate);
        await Deadline.ExitAsync(_process, Deadline.Step, $"node {Id} after SIGTERM");
        return _process.ExitCode;
    }

    /// <summary>Kills the process if it runs and releases it; used by teardown.</summary>
    public async Task DisposeProcessAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process?.Dispose();
            _process = null;
        }
    }

    private void Keep(string tag, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(tag + line);
        }
    }
}
