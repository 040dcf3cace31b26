using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Stp.Benchmarks;

/// <summary>
/// The short in-process job every Stp benchmark uses (these operations take seconds each on 2 cores): monitoring
/// strategy, 1 launch, 1 warm-up, <c>iterations</c> measured iterations, median and min columns.
/// </summary>
public abstract class ShortJobConfig : ManualConfig
{
    protected ShortJobConfig(int iterations)
    {
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(iterations)
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
    }
}
