using NUnit.Framework;
using Stp.Codecs;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Randomness;
using Stp.Sampling;
using static Stp.Core.Tests.EngineSetup;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>
/// The device generator (<see cref="CounterRandomTensors"/>: the counter hash as int64 tensor ops) against the host
/// generator (<see cref="CounterRandom"/>), on the CPU: hashes and uniforms bit for bit, normals to float32 rounding,
/// over every domain and over seeds, streams, steps and indices with the top bit set. Then the noise of a batch and a
/// whole sampling run with the device generator forced on the CPU, against the host path.
/// </summary>
public class DeviceNoiseTests
{
    // Edge values: zero, one, -1 (all bits set), the top bit alone, the largest positive, and arbitrary 64-bit patterns.
    private static readonly long[] Edge = { 0, 1, -1, long.MinValue, long.MaxValue, unchecked((long)0xDEADBEEFCAFEBABEUL), 0x5153, -987_654_321_012L };

    private static long[] Counters(int count, int seed)
    {
        var r = new Random(seed);
        return Edge.Concat(Enumerable.Range(0, count).Select(_ => r.NextInt64(long.MinValue, long.MaxValue))).ToArray();
    }

    [Test]
    public void TheHashIsSplitMix64BitForBitOnTheHostAndAsTensorOps()
    {
        // SplitMix64's published outputs for state 1234567 (Vigna), and Mix(0), anchor both implementations.
        var expected = new[] { 6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL };
        for (int i = 0; i < 3; i++) Assert.That(CounterRandom.Mix(1234567UL + (ulong)i * CounterRandom.Golden), Is.EqualTo(expected[i]));
        Assert.That(CounterRandom.Mix(0), Is.EqualTo(0xE220A8397B1DCDAFUL));

        var values = Counters(5000, 1);
        using var scope = NewDisposeScope();
        var device = CounterRandomTensors.Mix(tensor(values)).data<long>().ToArray();
        for (int i = 0; i < values.Length; i++)
            Assert.That(device[i], Is.EqualTo(CounterRandomTensors.Signed(CounterRandom.Mix((ulong)values[i]))), $"Mix({values[i]})");
    }

    [Test]
    public void UniformsAreBitEqualToTheHostForEveryDomainSeedStreamStepAndIndex()
    {
        var seeds = Counters(6, 2);
        var streams = Counters(40, 3);
        var steps = new long[] { 0, 1, -1, 1000, long.MinValue, long.MaxValue, 123_456_789 };
        var indices = Counters(60, 4);
        long compared = 0;
        using var scope = NewDisposeScope();
        var streamTensor = tensor(streams);
        var indexHashes = CounterRandomTensors.Mix(tensor(indices));
        foreach (var domain in Enum.GetValues<RandomDomain>())
            foreach (var seed in seeds)
            {
                using var streamKeys = CounterRandomTensors.StreamKeys(seed, streamTensor);
                foreach (var step in steps)
                {
                    using var inner = NewDisposeScope();
                    var keys = CounterRandomTensors.Keys(domain, streamKeys, step);
                    var device = CounterRandomTensors.Uniform(keys, indexHashes).data<double>().ToArray();
                    for (int s = 0; s < streams.Length; s++)
                        for (int k = 0; k < indices.Length; k++)
                        {
                            double host = CounterRandom.Uniform(domain, seed, streams[s], step, indices[k]);
                            double dev = device[s * indices.Length + k];
                            if (BitConverter.DoubleToInt64Bits(dev) != BitConverter.DoubleToInt64Bits(host))
                                Assert.Fail($"{domain} seed {seed} stream {streams[s]} step {step} index {indices[k]}: device {dev:R}, host {host:R}");
                            compared++;
                        }
                }
            }
        TestContext.Out.WriteLine($"{compared:N0} uniforms bit-equal");
        Assert.That(compared, Is.EqualTo(8L * seeds.Length * steps.Length * streams.Length * indices.Length));
    }

    [TestCase(1)]
    [TestCase(9)]
    [TestCase(58)]
    [TestCase(261)]
    public void NormalsEqualTheHostToFloat32Rounding(int count)
    {
        var seeds = Counters(3, 5);
        var streams = Counters(24, 6);
        var steps = new long[] { 0, -1, 999, long.MinValue };
        long equal = 0, total = 0;
        int maxUlps = 0;
        using var scope = NewDisposeScope();
        var streamTensor = tensor(streams);
        var indexHashes = CounterRandomTensors.IndexHashes((count + 1) / 2 * 2, CPU);
        var host = new float[count];
        foreach (var domain in new[] { RandomDomain.Sampling, RandomDomain.ForwardProcess, RandomDomain.Latent })
            foreach (var seed in seeds)
                foreach (var step in steps)
                {
                    using var inner = NewDisposeScope();
                    var keys = CounterRandomTensors.Keys(domain, CounterRandomTensors.StreamKeys(seed, streamTensor), step);
                    var device = CounterRandomTensors.Normal(keys, indexHashes, count).data<float>().ToArray();
                    for (int s = 0; s < streams.Length; s++)
                    {
                        CounterRandom.FillNormal(host, domain, seed, streams[s], step);
                        for (int k = 0; k < count; k++)
                        {
                            float d = device[s * count + k], h = host[k];
                            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(d) - BitConverter.SingleToInt32Bits(h));
                            if (Math.Sign(d) != Math.Sign(h) && d != 0 && h != 0) ulps = int.MaxValue;
                            maxUlps = Math.Max(maxUlps, ulps);
                            if (ulps == 0) equal++;
                            total++;
                        }
                    }
                }
        TestContext.Out.WriteLine($"{count} values per stream: {equal:N0} of {total:N0} normals bit-equal, largest difference {maxUlps} float32 ulp");
        Assert.That(maxUlps, Is.LessThanOrEqualTo(1), "equal to float32 rounding of the same float64 value");
        Assert.That(equal, Is.GreaterThan(total * 999 / 1000), "a last-bit difference of float64 log/cos/sin only rarely survives float32 rounding");
    }

    [TestCase(NoisePurpose.Sampling)]
    [TestCase(NoisePurpose.ForwardProcess)]
    [TestCase(NoisePurpose.Latent)]
    public void ABatchDrawIsTheSameWithEitherGenerator(NoisePurpose purpose)
    {
        var sizes = new[] { 4, 25, 1, 17, 25 };
        var streams = new long[] { 7, 0, -3, long.MinValue, 20_819 };
        var noise = new MoleculeNoise(new FuncPriorScaler(Gamma), unchecked((long)0x8000_0000_0000_0011UL));
        using var scope = NewDisposeScope();
        foreach (int features in new[] { 3, 4 })
        {
            var host = noise.Draw(purpose, sizes, 26, features, streams, 250, CPU);
            LatentBatch device;
            using (MoleculeNoise.UseDeviceGenerator(true)) device = noise.Draw(purpose, sizes, 26, features, streams, 250, CPU);
            Assert.That((device.X - host.X).abs().max().item<float>(), Is.LessThan(1e-6f), $"x, F = {features}");
            Assert.That((device.H - host.H).abs().max().item<float>(), Is.LessThan(1e-6f), $"h, F = {features}");
            Assert.That(device.H[0, 4..].abs().max().item<float>(), Is.EqualTo(0f), "zero on padding");
            Assert.That(host.X.abs().sum().item<float>(), Is.GreaterThan(10f), "real noise");
        }
    }

    [Test]
    public void AMoleculesDeviceNoiseDoesNotDependOnItsBatch()
    {
        var noise = new MoleculeNoise(UnitPriorScaler.Instance, 3);
        using var scope = NewDisposeScope();
        using var forced = MoleculeNoise.UseDeviceGenerator(true);
        var alone = noise.Draw(NoisePurpose.Sampling, new[] { 9 }, 9, 2, new long[] { 42 }, 17, CPU);
        var inBatch = noise.Draw(NoisePurpose.Sampling, new[] { 4, 9, 30 }, 31, 2, new long[] { 1, 42, 2 }, 17, CPU);
        Assert.That(inBatch.H[1, ..9].data<float>().ToArray(), Is.EqualTo(alone.H[0].data<float>().ToArray()));
        Assert.That((inBatch.X[1, ..9] - alone.X[0]).abs().max().item<float>(), Is.EqualTo(0f));
    }

    [TestCase("ancestral")]
    [TestCase("ddim")]
    public void SamplingGivesTheSameMoleculesWithEitherGenerator(string step)
    {
        var (model, _) = Build(PriorKind.ScaledPrior, new PolynomialSchedule(40));
        var options = new SamplerOptions { ReverseStep = step == "ddim" ? DdimStep.Instance : AncestralStep.Instance };
        var plan = SamplingPlan.Efficient(Sizes.Take(60).ToArray(), 25);
        var host = new DiffusionSampler(model, options).Sample(plan, seed: 5);
        IReadOnlyList<Stp.Chemistry.Molecule> device;
        using (MoleculeNoise.UseDeviceGenerator(true)) device = new DiffusionSampler(model, options).Sample(plan, seed: 5);
        Assert.That(device, Has.Count.EqualTo(host.Count));
        double worst = 0;
        for (int i = 0; i < host.Count; i++)
        {
            Assert.That(device[i].AtomicNumbers, Is.EqualTo(host[i].AtomicNumbers), $"molecule {i}");
            worst = Math.Max(worst, host[i].Positions.Zip(device[i].Positions, (a, b) => Math.Abs(a - b)).Max());
        }
        TestContext.Out.WriteLine($"{step}: largest coordinate difference {worst:G3}");
        Assert.That(worst, Is.LessThan(1e-4));
    }

    [Test]
    public void OnTheCpuTheHostGeneratorIsUsedAndElsewhereTheDeviceOne()
    {
        Assert.That(MoleculeNoise.GeneratesOn(CPU), Is.False, "the CPU keeps the host path (same values as before, as fast)");
        Assert.That(MoleculeNoise.GeneratesOn(new Device(DeviceType.CUDA, 0)), Is.True);
        using (MoleculeNoise.UseDeviceGenerator(true)) Assert.That(MoleculeNoise.GeneratesOn(CPU), Is.True);
        Assert.That(MoleculeNoise.GeneratesOn(CPU), Is.False, "the override ends with its scope");
    }

    [Test]
    public void OnCudaTheDeviceGeneratorEqualsTheHost()
    {
        if (!cuda.is_available()) Assert.Ignore("CUDA is not available in this process (CPU build of libtorch or no GPU); this test runs on a GPU machine built with -p:StpCuda=true.");
        var noise = new MoleculeNoise(new FuncPriorScaler(Gamma), -12345);
        var sizes = new[] { 4, 25, 1, 17 };
        var streams = new long[] { 7, 0, long.MinValue, 20_819 };
        using var scope = NewDisposeScope();
        var host = noise.Draw(NoisePurpose.Sampling, sizes, 25, 6, streams, 999, CPU);
        var gpu = noise.Draw(NoisePurpose.Sampling, sizes, 25, 6, streams, 999, CUDA);
        Assert.That(gpu.X.device_type, Is.EqualTo(DeviceType.CUDA));
        Assert.That((gpu.X.cpu() - host.X).abs().max().item<float>(), Is.LessThan(1e-6f));
        Assert.That((gpu.H.cpu() - host.H).abs().max().item<float>(), Is.LessThan(1e-6f));
        var keys = CounterRandomTensors.Keys(RandomDomain.Sampling, CounterRandomTensors.StreamKeys(-12345, tensor(streams, device: CUDA)), 999);
        var u = CounterRandomTensors.Uniform(keys, CounterRandomTensors.IndexHashes(64, CUDA)).cpu().data<double>().ToArray();
        for (int s = 0; s < streams.Length; s++)
            for (int k = 0; k < 64; k++)
                Assert.That(u[s * 64 + k], Is.EqualTo(CounterRandom.Uniform(RandomDomain.Sampling, -12345, streams[s], 999, k)), "bit-equal uniforms on CUDA");
    }
}
