using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Stp.Benchmarks;

/// <summary>
/// The short in-process job every Stp benchmark uses (these operations take seconds each on 2 cores): monitoring
/// strategy, 1 launch, 1 warm-up, <c>iterations</c> measured iterations, median and min columns. In-process cases are
/// stopped after <c>timeoutMinutes</c> (BenchmarkDotNet's default, 5 minutes, is too short for whole sampling plans
/// on a busy 2-core machine).
/// </summary>
public abstract class ShortJobConfig : ManualConfig
{
    protected ShortJobConfig(int iterations, int timeoutMinutes = 5)
    {
        var toolchain = timeoutMinutes == 5 ? InProcessEmitToolchain.Instance : new InProcessEmitToolchain(TimeSpan.FromMinutes(timeoutMinutes), logOutput: true);
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(iterations)
            .WithToolchain(toolchain));
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        AddFilter(new CudaCasesFilter());
    }
}
