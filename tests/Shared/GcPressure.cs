namespace Stp.Testing;

/// <summary>
/// Forces gen-0 garbage collections (and runs finalizers) on a background thread until disposed, so that a TorchSharp
/// temporary Scalar left unrooted during a native call is freed mid-call: the pattern behind the intermittent
/// "Expected false to be true ... toFloat" crash (issue 13). Run the code under test inside a <c>using</c> block.
/// </summary>
internal sealed class GcPressure : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _collections;

    private GcPressure()
    {
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref _collections);
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    /// <summary>Starts collecting.</summary>
    public static GcPressure Start() => new();

    /// <summary>Collections forced so far.</summary>
    public long Collections => Interlocked.Read(ref _collections);

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
