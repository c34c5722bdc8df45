// Trains a small CNN on the UCI 8x8 handwritten digits embedded in this executable, Keras style:
// summary, a progress bar and one line per epoch, test accuracy, weights saved as safetensors and loaded back.
// Usage: Digits [epochs] [weights.safetensors] [--plots DIR] [--explain DIR]   (--plots writes DIR/loss.png and DIR/accuracy.png; --explain writes feature maps and filter pictures)
using System.Globalization;
using Cnn;
using Cnn.Samples;
using Digits;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
// --explain <folder>: after training, also write the pictures of Pictures.cs there.
string? explainFolder = null;
int explainAt = Array.IndexOf(args, "--explain");
if (explainAt >= 0)
{
    if (explainAt + 1 >= args.Length) { Console.Error.WriteLine("--explain needs a folder: --explain out/"); return 2; }
    explainFolder = args[explainAt + 1];
    args = [.. args[..explainAt], .. args[(explainAt + 2)..]];
}
SampleArguments arguments;
int epochs;
try
{
    arguments = SampleArguments.Parse(args);
    epochs = arguments.PositiveInt(0, 20, "number of epochs");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Usage: Digits [epochs] [weights.safetensors] [--plots DIR] [--explain DIR]");
    return 2;
}
string weightsPath = arguments.String(1, "digits.safetensors");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(weightsPath))!);

using Stream csv = typeof(DigitsCnn).Assembly.GetManifestResourceStream("digits.csv.gz")
    ?? throw new InvalidOperationException("The digits data is not embedded in this build.");
Dataset digits = Datasets.Digits(csv, "digits.csv.gz");
(Dataset train, Dataset test) = digits.Split(testFraction: 0.2, seed: 1);
Console.WriteLine($"UCI digits: {train.Count} training and {test.Count} test images of 8x8 pixels.");
Console.WriteLine();
Console.WriteLine(DigitsCnn.Summary);
Console.WriteLine();

var model = new DigitsCnn();
model.InitializeParameters(seed: 42);
var progress = new KerasProgress(epochs);
History history = progress.Run(() => Trainer.Fit(model, train, new TrainingOptions
{
    Epochs = epochs,
    BatchSize = 32,
    Optimizer = new Adam(learningRate: 0.003f),
    Seed = 1,
    ValidationData = test,
    OnBatchEnd = progress.OnBatchEnd,
    OnEpochEnd = progress.OnEpochEnd,
}));

Evaluation evaluation = Trainer.Evaluate(model, test);
Console.WriteLine();
Console.WriteLine($"Test accuracy: {evaluation.Accuracy:P2} (loss {evaluation.Loss:F4})");

WeightFile.Save(model, weightsPath);
var reloaded = new DigitsCnn();
WeightFile.Load(reloaded, weightsPath);
Evaluation again = Trainer.Evaluate(reloaded, test);
Console.WriteLine($"Saved {weightsPath}; reloaded, it scores {again.Accuracy:P2}.");

if (arguments.PlotsDirectory is { } plots)
    Console.WriteLine($"Training curves: {string.Join(", ", TrainingCurves.Save(history.Epochs, plots, nameof(DigitsCnn)))}");
if (explainFolder is not null) Pictures.Write(model, test, explainFolder);
return evaluation.Accuracy >= 0.95 ? 0 : 1;
