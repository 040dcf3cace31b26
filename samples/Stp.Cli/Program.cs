Console.WriteLine("stp: not yet implemented");
