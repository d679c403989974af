#pragma once
// An operation's parameter schema as widgets: a combo box per choice, a slider with a value box
// per number (with the schema's end labels under the slider), rows hidden while their only_for
// condition does not hold. Reads the values back as the key=value text the engine takes.
#include <QWidget>

#include <map>
#include <string>

#include "restora/core/registry.h"

class QFormLayout;

namespace restora::ui {

class ParameterForm : public QWidget {
    Q_OBJECT
  public:
    explicit ParameterForm(QWidget* parent = nullptr);

    // Replaces the rows with `op`'s parameters (none for nullptr); numbers start at `source`'s
    // defaults where the operation has them (source_defaults), else at the schema's.
    void rebuild(const Operation* op, const SourceInfo* source);
    // The values of the parameters that apply (only_for), as the engine's key=value text.
    [[nodiscard]] std::map<std::string, std::string> values() const;
    // Sets a parameter as the user would; an unknown key or choice is ignored.
    void setValue(const std::string& key, const QString& value);

  signals:
    void choiceChanged();  // a choice changed: which rows apply may have changed too
    void numberChanged();

  private:
    // Whether the parameter's only_for condition holds for the current choices.
    [[nodiscard]] bool applies(const std::string& key) const;
    void updateRows();
    QWidget* addNumber(const ParamSpec& p, double initial);

    const Operation* op_ = nullptr;
    QFormLayout* form_ = nullptr;
    std::map<std::string, QWidget*> editors_;
    std::map<std::string, QWidget*> rows_;  // the form row of each editor
};

}  // namespace restora::ui
