using System.Runtime.InteropServices;

namespace Stp.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM for every command, in place of System.CommandLine's handler (which returned from the
/// invocation while the command was still saving, once its timeout passed, and threw on a second signal). The first
/// signal cancels <see cref="Token"/>, the token the commands get: training finishes or abandons its step (an
/// evaluation stops between sampling steps), saves a checkpoint and exits; sampling stops between steps and keeps the
/// finished batches. A second signal exits at once: every file is written atomically, so whatever was saved last (the
/// last checkpoint) stays whole. The exit code is <see cref="CliApp.ExitInterrupted"/> (130) after SIGINT and
/// the same code after SIGTERM.
/// </summary>
internal sealed partial class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly List<PosixSignalRegistration> _registrations = new();
    private int _signals;

    /// <summary>Listens for SIGINT and SIGTERM until disposed; <paramref name="external"/> also cancels (tests, hosts).</summary>
    public Interrupts(CancellationToken external)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(external);
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try { _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal)); }
            catch (PlatformNotSupportedException) { }
        }
    }

    /// <summary>Cancelled by the first signal (or the external token).</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>The exit code of an interrupted command: 130 (after SIGINT or SIGTERM).</summary>
    public int ExitCode { get; private set; } = CliApp.ExitInterrupted;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // never the runtime's default: the process ends here, cleanly
        string name = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "interrupt (SIGINT)";
        if (Interlocked.Increment(ref _signals) > 1)
        {
            Console.Error.WriteLine($"stp: second {name}: exiting now; files already saved (the last checkpoint) are kept whole.");
            RunExitHooks();
            Console.Error.Flush();
            ExitNow(ExitCode);
            return;
        }
        ExitCode = CliApp.ExitInterrupted;
        Console.Error.WriteLine($"\nstp: {name}: stopping cleanly (send it again to exit at once) ...");
        try { _cts.Cancel(); }
        catch (AggregateException e) { Console.Error.WriteLine($"stp: while stopping: {e.InnerExceptions[0].Message}"); }
        catch (ObjectDisposedException) { } // the command had already finished
    }

    private static readonly List<Action> ExitHooks = new();

    /// <summary>
    /// Registers a last action for a second signal, which ends the process without unwinding (e.g. the run manifest
    /// records "killed" instead of staying "running"). Keep it short and let it not throw; disposing unregisters it.
    /// </summary>
    internal static IDisposable BeforeHardExit(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (ExitHooks) ExitHooks.Add(action);
        return new Unregister(action);
    }

    /// <summary>Runs the registered hard-exit actions, newest first; an action that throws is reported and skipped.</summary>
    internal static void RunExitHooks()
    {
        Action[] hooks;
        lock (ExitHooks) hooks = ExitHooks.AsEnumerable().Reverse().ToArray();
        foreach (var hook in hooks)
        {
            try { hook(); }
            catch (Exception e) { Console.Error.WriteLine($"stp: while exiting: {e.Message.Split('\n')[0]}"); }
        }
    }

    private sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() { lock (ExitHooks) ExitHooks.Remove(action); }
    }

    /// <summary>
    /// Ends the process at once. On Unix through _exit(2): Environment.Exit would run libtorch's static destructors
    /// while the main thread is inside a native operation (seen here: segmentation faults and "no schema registered"
    /// errors). Nothing is lost that was saved: files are written to a temporary name and renamed.
    /// </summary>
    private static void ExitNow(int code)
    {
        if (OperatingSystem.IsWindows()) Environment.Exit(code);
        try { Exit(code); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { Environment.Exit(code); }
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
