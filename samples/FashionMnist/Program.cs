// The course's Keras MNIST CNN on Fashion-MNIST, with the recipe of the PyTorch peer:
// RMSprop (lr 0.001, Keras defaults), batch 64; the test set is the validation data, as in the course.
// Usage: FashionMnist [epochs] [weights.safetensors] [--plots DIR]   (--plots writes DIR/loss.png and DIR/accuracy.png)
using System.Globalization;
using Cnn;
using Cnn.Samples;
using FashionMnist;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
SampleArguments arguments;
int epochs;
try
{
    arguments = SampleArguments.Parse(args);
    epochs = arguments.PositiveInt(0, 3, "number of epochs");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Usage: FashionMnist [epochs] [weights.safetensors] [--plots DIR]");
    return 2;
}
string weightsPath = arguments.String(1, "fashion-mnist.safetensors");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(weightsPath))!);

Dataset train, test;
try
{
    train = Datasets.FashionMnist(train: true);
    test = Datasets.FashionMnist(train: false);
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
Console.WriteLine($"Fashion-MNIST: {train.Count} training and {test.Count} test images from {Datasets.FashionMnistDirectory}.");
Console.WriteLine();
Console.WriteLine(MnistCnn.Summary);
Console.WriteLine();

var model = new MnistCnn();
model.InitializeParameters(seed: 1234);
var progress = new KerasProgress(epochs);
History history = progress.Run(() => Trainer.Fit(model, train, new TrainingOptions
{
    Epochs = epochs,
    BatchSize = 64,
    Optimizer = new RmsProp(learningRate: 0.001f),
    Seed = 1234,
    ValidationData = test,
    OnBatchEnd = progress.OnBatchEnd,
    OnEpochEnd = e =>
    {
        progress.OnEpochEnd(e);
        progress.WriteLine($"training throughput: {train.Count / progress.LastEpochTrainingTime.TotalSeconds:F0} img/s");
    },
}));

Evaluation evaluation = Trainer.Evaluate(model, test);
Console.WriteLine();
Console.WriteLine($"Test accuracy after {epochs} epochs: {evaluation.Accuracy:P2} (loss {evaluation.Loss:F4})");
WeightFile.Save(model, weightsPath);
Console.WriteLine($"Weights saved to {weightsPath}.");
if (arguments.PlotsDirectory is { } plots)
    Console.WriteLine($"Training curves: {string.Join(", ", TrainingCurves.Save(history.Epochs, plots, nameof(MnistCnn)))}");
return 0;
