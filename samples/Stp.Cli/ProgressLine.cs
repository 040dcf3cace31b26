namespace Stp.Cli;

/// <summary>Small console helpers: a one-line progress display that degrades to periodic lines when output is redirected.</summary>
internal sealed class ProgressLine
{
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private DateTime _last = DateTime.MinValue;
    private readonly TimeSpan _every;

    public ProgressLine(TimeSpan? every = null) => _every = every ?? TimeSpan.FromSeconds(_interactive ? 0.25 : 30);

    public void Update(string text, bool force = false)
    {
        var now = DateTime.UtcNow;
        if (!force && now - _last < _every) return;
        _last = now;
        if (_interactive) Console.Write("\r" + text.PadRight(Math.Min(Console.BufferWidth > 0 ? Console.BufferWidth - 1 : 100, 120)));
        else Console.WriteLine(text);
    }

    public void Done()
    {
        if (_interactive) Console.WriteLine();
    }

    public static string Eta(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t:mm\\:ss}" : $"{t:mm\\:ss}";
}
