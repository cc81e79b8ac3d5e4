using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Cordon.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Cordon.Bench.VaultBenchmarks).Assembly).Run(args);
