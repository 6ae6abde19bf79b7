use hypernodes::prelude::*;

pipeline! {
    struct Declared {
        inputs { file_pth: std::path::PathBuf, text: String }
        fn load(file_path: &std::path::Path) -> String { file_path.display().to_string() }
        #[node(output = text)]
        fn upper(load: &str) -> String { load.to_uppercase() }
    }
}

fn main() {}
