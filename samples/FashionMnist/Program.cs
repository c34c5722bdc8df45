// The course's Keras MNIST CNN on Fashion-MNIST, with the recipe of the PyTorch peer:
// RMSprop (lr 0.001, Keras defaults), batch 64. Usage: FashionMnist [epochs] [weights.safetensors]
using System.Globalization;
using Cnn;
using FashionMnist;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
int epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
string weightsPath = args.Length > 1 ? args[1] : "fashion-mnist.safetensors";

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
Trainer.Fit(model, train, new TrainingOptions
{
    Epochs = epochs,
    BatchSize = 64,
    Optimizer = new RmsProp(learningRate: 0.001f),
    Seed = 1234,
    OnEpochEnd = e =>
    {
        Evaluation t = Trainer.Evaluate(model, test);
        Console.WriteLine($"Epoch {e.Epoch}/{epochs} - {e} - {train.Count / e.Duration.TotalSeconds:F0} img/s - test accuracy: {t.Accuracy:P2}");
    },
});

Evaluation evaluation = Trainer.Evaluate(model, test);
Console.WriteLine();
Console.WriteLine($"Test accuracy after {epochs} epochs: {evaluation.Accuracy:P2} (loss {evaluation.Loss:F4})");
WeightFile.Save(model, weightsPath);
Console.WriteLine($"Weights saved to {weightsPath}.");
return 0;
