using Stp.Runtime;
using Stp.Chemistry;
using Stp.Data;
using Stp.Metrics.Properties.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Metrics.Properties;

/// <summary>
/// A property predictor for the conditional-generation MAE (EDM's <c>main_qm9_prop.py</c>): an invariant EGNN (or a
/// baseline, <see cref="PredictorKind"/>) that maps a molecule's atom types and geometry to one property, trained on
/// (value - mean) / MAD. <see cref="Predict"/> returns MAD x output + mean, in the property's EDM unit
/// (<see cref="Qm9Properties"/>). Saved like the diffusion models: <c>name.safetensors</c> with the description in its
/// header, and <c>name.json</c> beside it.
/// </summary>
public sealed class PropertyPredictor : IDisposable
{
    internal PropertyPredictor(PredictorOptions options, ContextProperties normalization, PredictorNetwork network, Device device)
    {
        Options = options; Normalization = normalization; Network = network; Device = device;
        Vocabulary = AtomVocabulary.ForDataset(options.Vocabulary);
    }

    /// <summary>A predictor with freshly initialised weights (seeded by <paramref name="seed"/>).</summary>
    /// <param name="options">Model shape.</param>
    /// <param name="normalization">Mean and MAD of the one property to predict (e.g. from the training molecules).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <param name="device">Device (default CPU).</param>
    public static PropertyPredictor Create(PredictorOptions options, ContextProperties normalization, long seed = 0, Device? device = null)
    {
        TorchRuntime.EnsureAvailable();
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(normalization);
        if (normalization.Count != 1) throw new ArgumentException($"A predictor predicts one property; got {normalization.Count} ({string.Join(", ", normalization.Names)}).", nameof(normalization));
        var dev = device ?? CPU;
        manual_seed(seed);
        var network = PredictorNetwork.Create(options, AtomVocabulary.ForDataset(options.Vocabulary).Count);
        network.to(dev);
        return new PropertyPredictor(options, normalization, network, dev);
    }

    /// <summary>Loads a predictor written by <see cref="Save"/> (or by <c>stp train-predictor</c>).</summary>
    public static PropertyPredictor Load(string path, Device? device = null)
    {
        TorchRuntime.EnsureAvailable();
        return PredictorFile.Load(path, device ?? CPU);
    }

    /// <summary>Saves the weights and the description atomically (<c>name.safetensors</c> + <c>name.json</c>).</summary>
    public void Save(string path) => PredictorFile.Save(this, path);

    /// <summary>The model shape.</summary>
    public PredictorOptions Options { get; }

    /// <summary>Mean and MAD of the predicted property.</summary>
    public ContextProperties Normalization { get; }

    /// <summary>The property name.</summary>
    public string Property => Normalization.Names[0];

    /// <summary>The atom vocabulary of the one-hot input.</summary>
    public AtomVocabulary Vocabulary { get; }

    /// <summary>The device the weights live on.</summary>
    public Device Device { get; }

    /// <summary>MAEs on held-out molecules recorded when the predictor was trained (saved with it), or null.</summary>
    public HeldOutMae? HeldOut { get; set; }

    /// <summary>Free-form notes saved with the predictor (data, split, epochs, time).</summary>
    public Dictionary<string, string> Notes { get; } = new(StringComparer.Ordinal);

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount => Network.parameters().Sum(p => p.numel());

    internal PredictorNetwork Network { get; }

    /// <summary>The predicted property of every molecule (EDM unit), in batches of <paramref name="batchSize"/>.</summary>
    /// <exception cref="ArgumentException">A molecule is empty, has non-finite coordinates or an element outside the vocabulary; the message names it.</exception>
    public double[] Predict(IReadOnlyList<Molecule> molecules, int batchSize = 96)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        bool training = Network.training;
        Network.eval();
        var result = new double[molecules.Count];
        try
        {
            using var noGrad = no_grad();
            for (int s = 0; s < molecules.Count; s += batchSize)
            {
                using var scope = NewDisposeScope();
                var idx = Enumerable.Range(s, Math.Min(batchSize, molecules.Count - s)).ToArray();
                using var batch = PredictorBatch.Create(idx.Select(i => molecules[i]).ToList(), idx, Vocabulary, Device);
                var y = Network.Forward(batch).cpu().data<float>().ToArray();
                for (int i = 0; i < idx.Length; i++) result[idx[i]] = Normalization.Denormalize(new[] { y[i] })[0];
            }
        }
        finally
        {
            if (training) Network.train();
        }
        return result;
    }

    /// <summary>A one-line description, e.g. "EGNN nf 128, 7 layers, 1,000,000 parameters, alpha".</summary>
    public override string ToString() => Options.Kind switch
    {
        PredictorKind.Egnn => $"EGNN nf {Options.HiddenFeatures}, {Options.Layers} layers, {ParameterCount:N0} parameters, {Property}",
        var k => $"{k} baseline, {Property}",
    };

    /// <inheritdoc />
    public void Dispose() => Network.Dispose();
}
