using System.Text.Json;
using System.Text.Json.Nodes;
using Stp.Models;

[assembly: ModelComponentFactory(typeof(Stp.Backbones.Edm.EgnnDenoiserFactory))]

namespace Stp.Backbones.Edm;

/// <summary>
/// Rebuilds an <see cref="EgnnDenoiser"/> from a model file's description (type "edm.egnn", options = the
/// <see cref="EgnnOptions"/> as JSON). Announced to <see cref="ModelComponents"/> by an assembly attribute, so
/// <c>DiffusionModel.Load</c> finds it once this package is referenced.
/// </summary>
public sealed class EgnnDenoiserFactory : IModelComponentFactory
{
    /// <summary>The component type id.</summary>
    public const string TypeId = "edm.egnn";

    /// <inheritdoc />
    public string Type => TypeId;

    /// <inheritdoc />
    public object Create(ComponentDescription description, ModelBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new EgnnDenoiser(ReadOptions(description), context.Device);
    }

    /// <inheritdoc />
    public void CheckWeights(ComponentDescription description, IReadOnlyDictionary<string, long[]> shapes, string source) =>
        CheckEgnnWeights(ReadOptions(description), shapes, "egnn.", source);

    /// <summary>
    /// Checks the sizes of an EGNN (<see cref="EgnnOptions.HiddenFeatures"/>, <see cref="EgnnOptions.Layers"/>,
    /// <see cref="EgnnOptions.InvariantSublayers"/>, its node inputs and outputs) against the shapes of its weights under
    /// <paramref name="prefix"/> (e.g. "egnn." in a denoiser, "encoder.egnn." in GeoLDM's autoencoder), before it is built.
    /// </summary>
    /// <param name="options">The EGNN's options.</param>
    /// <param name="shapes">Tensor shapes from the model file's header.</param>
    /// <param name="prefix">Key prefix of the EGNN's entries.</param>
    /// <param name="source">The file, for error messages.</param>
    /// <param name="inputCount">Node inputs (default <see cref="EgnnOptions.NodeInputCount"/>, as in a denoiser).</param>
    /// <param name="outputCount">Node outputs (default <paramref name="inputCount"/>).</param>
    /// <exception cref="Stp.Data.DataFileException">A size the weights do not have; the message names <paramref name="source"/>.</exception>
    public static void CheckEgnnWeights(EgnnOptions options, IReadOnlyDictionary<string, long[]> shapes, string prefix, string source, int? inputCount = null, int? outputCount = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        int inputs = inputCount ?? options.NodeInputCount, outputs = outputCount ?? inputs;
        WeightShapes.ExpectDimension(shapes, prefix + "embedding.weight", 0, options.HiddenFeatures, "hiddenFeatures", source);
        WeightShapes.ExpectDimension(shapes, prefix + "embedding.weight", 1, inputs, "node inputs (features + time + context)", source);
        WeightShapes.ExpectDimension(shapes, prefix + "embedding_out.weight", 0, outputs, "node outputs", source);
        WeightShapes.ExpectCount(shapes, prefix + "e_block_", options.Layers, "layers", source);
        WeightShapes.ExpectCount(shapes, prefix + "e_block_0.gcl_", options.InvariantSublayers, "invariantSublayers", source);
    }

    private static EgnnOptions ReadOptions(ComponentDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        return ComponentOptions.Read("EGNN", () => description.Options?.Deserialize<EgnnOptions>(ModelDescription.JsonOptions) ?? EgnnOptions.Qm9);
    }

    /// <summary>The description of an EGNN with <paramref name="options"/>.</summary>
    public static ComponentDescription Describe(EgnnOptions options) =>
        new(TypeId, JsonSerializer.SerializeToNode(options, ModelDescription.JsonOptions)!.AsObject(), typeof(EgnnDenoiserFactory).Assembly.GetName().Name);
}
