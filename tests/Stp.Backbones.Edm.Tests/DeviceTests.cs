using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using Stp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

/// <summary>
/// Devices: the EGNN takes the batch structure from the host sizes (no copy of the atom counts back from the device),
/// the DI options choose the device of the whole container, the sampler runs on the model's device and refuses
/// another, and (on a GPU machine only) a model trains and samples on CUDA with the molecules of the CPU.
/// </summary>
public class DeviceTests
{
    private const string NoCuda = "CUDA is not available in this process (CPU build of libtorch or no GPU); this test runs on a GPU machine built with -p:StpCuda=true (docs/gpu.md).";

    [Test]
    public void WithHostSizesTheEgnnNeverReadsTheAtomCountsTensor()
    {
        using var fx = EgnnFixture.Small();
        using var model = fx.LoadFromNpz();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = fx.Input();
        var sizes = fx.AtomCounts.to(ScalarType.Int64).data<long>().Select(n => (int)n).ToArray();
        var reference = EgnnFixture.Concat(model.Predict(input));
        // A tensor on the meta device has a shape and no data: copying it to the host throws, so a prediction that
        // succeeds with it has not read the counts.
        var shapeOnly = empty(sizes.Length, ScalarType.Int64, device: META);
        Assert.That(() => model.Predict(input with { AtomCounts = shapeOnly }), Throws.Exception, "without sizes the counts are read");
        var output = EgnnFixture.Concat(model.Predict(input with { AtomCounts = shapeOnly, Sizes = sizes }));
        Assert.That((output - reference).abs().max().item<float>(), Is.EqualTo(0f));
        Assert.That((reference - fx.Output).abs().max().item<float>(), Is.LessThan(1e-5f), "and both are EDM's output");
        Assert.That(() => model.Predict(input with { Sizes = sizes[1..] }), Throws.ArgumentException.With.Message.Contains("Sizes"));
    }

    [Test]
    public void TheSinusoidalEmbeddingUsesItsCachedFrequenciesOnEveryCall()
    {
        using var scope = NewDisposeScope();
        var d = tensor(new[] { 0f, 0.5f, 2.25f, 9f }).reshape(4, 1);
        for (int call = 0; call < 2; call++)
        {
            var e = Stp.Backbones.Edm.Modules.SinusoidsEmbedding.Embed(d).data<float>().ToArray();
            Assert.That(e, Has.Length.EqualTo(4 * 12));
            for (int i = 0; i < 4; i++)
                for (int k = 0; k < 6; k++)
                {
                    // EDM: sqrt(d + 1e-8) * 2 pi 4^k / 15, then [sin, cos].
                    double x = Math.Sqrt(new[] { 0, 0.5, 2.25, 9 }[i] + 1e-8) * (float)(2 * Math.PI * Math.Pow(4, k) / 15.0);
                    Assert.That(e[i * 12 + k], Is.EqualTo(Math.Sin(x)).Within(2e-4), $"sin, d[{i}], k = {k}, call {call}");
                    Assert.That(e[i * 12 + 6 + k], Is.EqualTo(Math.Cos(x)).Within(2e-4), $"cos, d[{i}], k = {k}, call {call}");
                }
        }
    }

    [Test]
    public void TheDiOptionsChooseTheDeviceOfTheContainer()
    {
        var options = EgnnOptions.Small(hiddenFeatures: 8, layers: 1);
        using (var sp = new ServiceCollection().AddStpEgnnDenoiser(options).AddSingleton<IPriorScaler>(UnitPriorScaler.Instance)
            .AddStpDiffusion(o => o.Device = "CPU").BuildServiceProvider())
        {
            var model = sp.GetRequiredService<DiffusionModel>();
            Assert.That(model.Device.type, Is.EqualTo(DeviceType.CPU));
            Assert.That(model.Denoiser.Module.parameters().All(p => p.device_type == DeviceType.CPU));
            Assert.That(sp.GetRequiredService<DiffusionSampler>().Model, Is.SameAs(model));
        }
        Assert.That(() => new ServiceCollection().AddStpDiffusion(o => o.Device = "tpu"),
            Throws.ArgumentException.With.Message.Contains("unknown device 'tpu' (cpu, cuda, cuda:N)"), "a bad name fails at registration");

        using var gpu = new ServiceCollection().AddStpDiffusion(o => { o.Device = "cuda:0"; o.Prior = PriorKind.Unit; }).AddStpEgnnDenoiser(options).BuildServiceProvider();
        if (cuda.is_available())
            Assert.That(gpu.GetRequiredService<DiffusionModel>().Device.type, Is.EqualTo(DeviceType.CUDA));
        else
            Assert.That(() => gpu.GetRequiredService<IDenoiser>(), Throws.ArgumentException.With.Message.Contains("CUDA is not available").And.Message.Contains("StpCuda"),
                "the registration of the denoiser resolves the options' device and says how to get CUDA");
    }

    [Test]
    public void TheSamplerRunsOnTheModelsDeviceAndRefusesAnother()
    {
        using var model = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(hiddenFeatures: 8, layers: 1)), PriorKind.Unit, null, schedule: new PolynomialSchedule(3));
        var sampler = new DiffusionSampler(model);
        var plan = SamplingPlan.Efficient(new[] { 3, 5 }, 2);
        Assert.That(sampler.Sample(plan, seed: 1), Has.Count.EqualTo(2), "default: the model's device");
        Assert.That(() => sampler.Sample(plan, seed: 1, device: META).ToList(), Throws.ArgumentException.With.Message.Contains("The model is on cpu").And.Message.Contains("model.To"));
        Assert.That(model.To(CPU), Is.SameAs(model));
    }

    [Test]
    public void OnCudaAModelTrainsAndSamplesTheMoleculesOfTheCpu()
    {
        if (!cuda.is_available()) Assert.Ignore(NoCuda);
        var molecules = Enumerable.Range(0, 8).Select(i => new Molecule(new[] { 6, 1, 1, 8 }.Take(2 + i % 3).ToArray(),
            Enumerable.Range(0, 3 * (2 + i % 3)).Select(k => Math.Sin(k + i)).ToArray())).ToList();
        manual_seed(0);
        using var cpuModel = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(hiddenFeatures: 16, layers: 2)), PriorKind.Unit, null, schedule: new PolynomialSchedule(20));
        using var gpuModel = DiffusionModel.Load(Save(cpuModel), CUDA);
        Assert.That(gpuModel.Device.type, Is.EqualTo(DeviceType.CUDA));
        using (var trainer = new DiffusionTrainer(gpuModel, molecules, new TrainerOptions { BatchSize = 4, EmaDecay = 0 }))
            Assert.That(double.IsFinite(trainer.TrainStep().Loss), "a training step on the model's device (CUDA)");
        using var back = DiffusionModel.Load(Save(gpuModel), CPU);
        var plan = SamplingPlan.Efficient(new[] { 4, 9, 12 }, 3);
        var onCpu = new DiffusionSampler(back).Sample(plan, seed: 3);
        var onGpu = new DiffusionSampler(gpuModel).Sample(plan, seed: 3);
        for (int i = 0; i < onCpu.Count; i++)
        {
            Assert.That(onGpu[i].AtomicNumbers, Is.EqualTo(onCpu[i].AtomicNumbers), $"molecule {i}");
            Assert.That(onGpu[i].Positions.Zip(onCpu[i].Positions, (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-3), $"molecule {i}");
        }
    }

    private static string Save(DiffusionModel model)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stp-device-{Guid.NewGuid():N}.safetensors");
        model.Save(path);
        return path;
    }
}
