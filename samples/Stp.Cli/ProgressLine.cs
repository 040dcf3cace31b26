using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Stp.Cli;

/// <summary>
/// The progress of one long operation (training, sampling, evaluation, predictor training) with its rate and ETA. On a
/// terminal it is a Spectre.Console progress bar (description, bar, percentage, remaining time, spinner) drawn on a
/// thread of its own; when stdout is not a terminal (CI, a redirected log, the tests) it is a plain line, without ANSI
/// codes, every <see cref="PlainInterval"/> (30 s) and once more at the end. Lines the operation prints meanwhile go
/// through <see cref="WriteLine"/> (above the bar on a terminal). <see cref="Done"/> (or Dispose) prints the final
/// state before it returns, so whatever the command prints next (its summary) comes after it. Thread-safe.
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    private readonly object _lock = new();
    private readonly string _description, _unit;
    private readonly double? _total;
    private readonly bool _counts;
    private readonly TimeSpan? _deadline;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly double _startValue;
    private double _value;
    private string _detail = "";
    private TimeSpan? _lastPlain; // the first report prints at once, then one line per PlainInterval
    private bool _done, _reported;

    // Terminal mode: the Spectre.Console display and the thread it runs on.
    private readonly IAnsiConsole? _console;
    private ProgressTask? _task;
    private Task? _live;
    private readonly ManualResetEventSlim _finish = new();

    /// <summary>How often the plain (non-terminal) mode prints a line; the tests shorten it.</summary>
    internal static TimeSpan PlainInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether stdout is a terminal that takes a live progress bar (not redirected, ANSI and interactive).</summary>
    internal static bool IsTerminal => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities is { Ansi: true, Interactive: true };

    /// <summary>
    /// Starts the display of <paramref name="description"/> (e.g. "training"): <paramref name="total"/> units of
    /// <paramref name="unit"/> (e.g. "steps"), starting at <paramref name="start"/>; with no total, a
    /// <paramref name="deadline"/> (a time budget) gives the percentage and the ETA. Without <paramref name="counts"/>
    /// the units are only a measure of the work (e.g. a cost estimate): the line shows the percentage, the ETA and the
    /// status, not the units or their rate.
    /// </summary>
    public ProgressLine(string description, double? total, string unit, double start = 0, TimeSpan? deadline = null, bool counts = true)
    {
        (_description, _total, _unit, _deadline, _startValue, _value, _counts) = (description, total, unit, deadline, start, start, counts);
        if (!IsTerminal) return;
        _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        var ready = new ManualResetEventSlim();
        _live = Task.Run(() => _console.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                lock (_lock)
                {
                    _task = ctx.AddTask(Markup.Escape(Text()), maxValue: BarMax);
                    _task.Value = BarValue;
                }
                ready.Set();
                while (!_finish.Wait(TimeSpan.FromMilliseconds(250)))
                    lock (_lock) { _task.Description = Markup.Escape(Text()); _task.Value = BarValue; }
                lock (_lock) { _task.Description = Markup.Escape(Text()); _task.Value = BarValue; }
                ctx.Refresh();
            }));
        // The display must be up before the operation prints through it; a console that cannot show it goes plain.
        if (!ready.Wait(TimeSpan.FromSeconds(5)) || _live.IsFaulted) { _finish.Set(); _console = null; }
    }

    /// <summary>Reports the units done so far and, optionally, a short status (e.g. the loss) shown after the counts.</summary>
    public void Report(double value, string? detail = null)
    {
        lock (_lock)
        {
            if (_done) return;
            _value = value;
            _reported = true;
            if (detail is not null) _detail = detail;
            if (_console is not null) return; // the display thread draws it
            var now = _clock.Elapsed;
            if (_lastPlain is TimeSpan last && now - last < PlainInterval) return;
            _lastPlain = now;
            Console.WriteLine(Text());
        }
    }

    /// <summary>Prints a line (an evaluation's result, a notice): above the bar on a terminal, as a plain line otherwise.</summary>
    public void WriteLine(string text)
    {
        lock (_lock)
        {
            if (_console is not null && !_done) _console.WriteLine(text);
            else Console.WriteLine(text);
        }
    }

    /// <summary>Marks the work complete (the total reached, with a final status) and prints the final state, as <see cref="Done"/>.</summary>
    public void Complete(string? detail = null)
    {
        lock (_lock)
        {
            if (_done) return;
            if (_total is double t) _value = t;
            if (detail is not null) _detail = detail;
            _reported = true;
        }
        Done();
    }

    /// <summary>Prints the final state (once) and, on a terminal, waits until the display is finished.</summary>
    public void Done()
    {
        Task? live;
        lock (_lock)
        {
            if (_done) return;
            _done = true;
            live = _live;
            if (_console is null && _reported) Console.WriteLine(Text());
        }
        _finish.Set();
        live?.Wait();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Done();
        _finish.Dispose();
    }

    private double BarMax => _total is double t && t > 0 ? t : _deadline is TimeSpan d ? d.TotalSeconds : 1;

    private double BarValue => Math.Min(BarMax, _total is not null ? _value : _deadline is not null ? _clock.Elapsed.TotalSeconds : 0);

    /// <summary>
    /// "training 120/1000 steps (12%), 3.2 steps/s, ETA 04:35, loss 0.41": the counts, the rate, the ETA and the status
    /// (on a terminal the bar's own columns show the percentage and the remaining time).
    /// </summary>
    private string Text()
    {
        bool terminal = _console is not null;
        var elapsed = _clock.Elapsed;
        double rate = elapsed.TotalSeconds > 0 ? (_value - _startValue) / elapsed.TotalSeconds : 0;
        var parts = new List<string>();
        string counts = !_counts ? "" : _total is double t ? $" {Count(_value)}/{Count(t)} {_unit}" : $" {Count(_value)} {_unit}";
        if (!terminal && _total is double tt && tt > 0) counts += string.Create(CultureInfo.InvariantCulture, $" ({100 * Math.Min(1, _value / tt):F0}%)");
        else if (!terminal && _deadline is TimeSpan dl) counts += string.Create(CultureInfo.InvariantCulture, $" ({100 * Math.Min(1, elapsed / dl):F0}% of {Eta(dl)})");
        parts.Add(_description + counts);
        if (_counts && _value > _startValue) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rate:G3} {_unit}/s"));
        TimeSpan? eta = _done ? null
            : _total is double total && rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, (total - _value) / rate))
            : _deadline is TimeSpan d ? (d - elapsed > TimeSpan.Zero ? d - elapsed : TimeSpan.Zero) : null;
        if (_done) parts.Add($"done in {Eta(elapsed)}");
        else if (!terminal) parts.Add(eta is TimeSpan e ? $"ETA {Eta(e)}" : "ETA --:--");
        if (_detail.Length > 0) parts.Add(_detail);
        return string.Join(", ", parts);
    }

    private static string Count(double v) => v.ToString(v == Math.Floor(v) ? "F0" : "F1", CultureInfo.InvariantCulture);

    /// <summary>A duration as h:mm:ss (mm:ss under an hour).</summary>
    public static string Eta(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t:mm\\:ss}" : $"{t:mm\\:ss}";
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
